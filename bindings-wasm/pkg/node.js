// Node entry: loads the WebAssembly module synchronously from the package folder.
import { readFileSync } from "node:fs";
import { initSync } from "./gen/wxkf_wasm.js";

initSync({ module: readFileSync(new URL("./gen/wxkf_wasm_bg.wasm", import.meta.url)) });

export * from "./lib/api.js";
