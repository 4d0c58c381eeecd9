// Writes NAME.br and NAME.gz beside each file in the given folder (the browser bundle), so the
// web function can answer with the compressed bytes instead of compressing on every request.
// Node's own zlib does both: no other tool is needed. Usage: node scripts/compress-assets.mjs DIR
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { brotliCompressSync, gzipSync, constants } from 'node:zlib';

const dir = process.argv[2];
if (!dir) {
  console.error('usage: node scripts/compress-assets.mjs DIR');
  process.exit(2);
}
for (const name of readdirSync(dir)) {
  if (name.endsWith('.br') || name.endsWith('.gz')) continue;
  const bytes = readFileSync(join(dir, name));
  writeFileSync(join(dir, `${name}.gz`), gzipSync(bytes, { level: 9 }));
  writeFileSync(
    join(dir, `${name}.br`),
    brotliCompressSync(bytes, {
      params: {
        [constants.BROTLI_PARAM_QUALITY]: constants.BROTLI_MAX_QUALITY,
        [constants.BROTLI_PARAM_SIZE_HINT]: bytes.length,
      },
    }),
  );
}
