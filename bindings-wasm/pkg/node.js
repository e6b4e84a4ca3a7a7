// Node entry: loads the WebAssembly module synchronously from the package folder.
import { readFileSync } from "node:fs";
import { initSync } from "./gen/wxkf_wasm.js";
import { defaults } from "./lib/client.js";
import { nodeFetch } from "./lib/node-http.js";

initSync({ module: readFileSync(new URL("./gen/wxkf_wasm_bg.wasm", import.meta.url)) });
// HTTP over node:http with keep-alive unless a client's options pass their own `fetch`.
defaults.fetch = nodeFetch;

export * from "./lib/api.js";
