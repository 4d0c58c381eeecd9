// Loads the islands' WebAssembly when the browser is idle and hydrates each island on the page.
// The build script fills in the hashed file names. Pages without islands never load this file.
import init, * as islands from "./__APP_JS__";

const wasmUrl = new URL("./__APP_WASM__", import.meta.url);
const pendingChildren = [];

let missing = 0;

async function hydrateIsland(el, name) {
  const hydrate = islands[name];
  if (!hydrate) {
    // The bundle and the server were built from different code: rebuild the bundle.
    console.error(`No island called ${name} in the bundle.`);
    missing += 1;
    return;
  }
  const onChildren = pendingChildren[pendingChildren.length - 1];
  if (onChildren) onChildren();
  const result = hydrate(el);
  if (result && result.then) await result;
}

async function walk(node) {
  if (node.nodeType !== Node.ELEMENT_NODE) return;
  const tag = node.tagName.toLowerCase();
  if (tag === "leptos-island") {
    await hydrateIsland(node, node.dataset.component || null);
    for (const child of node.children) await walk(child);
  } else if (tag === "leptos-children") {
    pendingChildren.push(node.$$on_hydrate);
    for (const child of node.children) await walk(child);
    pendingChildren.pop();
  } else {
    for (const child of node.children) await walk(child);
  }
}

function whenIdle(f) {
  if ("requestIdleCallback" in window) window.requestIdleCallback(f, { timeout: 1500 });
  else setTimeout(f, 1);
}

whenIdle(async () => {
  await init({ module_or_path: wasmUrl });
  islands.hydrate();
  await walk(document.body);
  document.documentElement.dataset.hydrated = missing === 0 ? "true" : "incomplete";
});
