// Run inside a fresh project where the `npm pack` tarball was installed: the package
// imports by name and works (no emulator needed).
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { Client, Webhook, ValidationError, WxkfError } from "wxkf";

for (const f of ["package.json", "README.md", "LICENSE", "index.d.ts", "node.js", "deno.js", "workerd.js", "lib/api.js", "lib/client.js", "lib/generated.js", "lib/webhook.js", "gen/wxkf_wasm.js", "gen/wxkf_wasm_bg.wasm"]) {
  assert.ok(existsSync(`node_modules/wxkf/${f}`), `${f} is in the tarball`);
}
assert.throws(() => new Client({ appId: "wx" }), (e) => e instanceof ValidationError && e instanceof WxkfError && e.field === "appSecret");
const client = new Client({ accessToken: "T", fetch: async () => Response.json({ kf_list: [] }) });
assert.deepEqual(await client.getKfList(), []);
const hook = new Webhook({ token: "tok" });
const now = Math.floor(Date.now() / 1000);
const signature = createHash("sha1").update(["tok", String(now), "1"].sort().join("")).digest("hex");
assert.equal(hook.checkUrl({ signature, timestamp: String(now), nonce: "1", echostr: "hi" }), "hi");
// CommonJS: `require("wxkf")` loads the ESM entry on Nodes with require(esm) (20.19+, 22.12+).
if (process.features.require_module) {
  writeFileSync("check.cjs", 'const w = require("wxkf"); try { new w.Client({}); } catch (e) { if (!(e instanceof w.ValidationError)) process.exit(1); console.log("require(\\"wxkf\\") works"); }');
  const out = execFileSync(process.execPath, ["check.cjs"], { encoding: "utf8" }).trim();
  assert.equal(out, 'require("wxkf") works');
  console.log(out);
} else {
  console.log(`require("wxkf") not checked: Node ${process.version} has no require(esm)`);
}
const pkg = JSON.parse(readFileSync("node_modules/wxkf/package.json", "utf8"));
console.log(`installed wxkf ${pkg.version} from the tarball: imports and works`);
