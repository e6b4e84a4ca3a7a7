"""Seeds the fuzz corpora from the shared vectors (deterministic; run by scripts/fuzz.sh)."""
import base64, glob, hashlib, json, os, re, sys

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(root, "fuzz", "corpus")


def put(target, data):
    if isinstance(data, str):
        data = data.encode()
    d = os.path.join(out, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, hashlib.sha1(data).hexdigest()), "wb") as f:
        f.write(data)


for path in glob.glob(os.path.join(root, "tests", "vectors", "*.json")):
    doc = json.load(open(path, encoding="utf-8"))
    for case in doc.get("cases", []):
        if os.path.basename(path).startswith("push-"):
            body = case.get("body")
            if body is None and "body_base64" in case:
                body = base64.b64decode(case["body_base64"])
            if body is not None and not case.get("body_repeat"):
                put("push_open", body)
                text = body if isinstance(body, str) else body.decode("utf-8", "replace")
                for enc in re.findall(r"<Encrypt><!\[CDATA\[(.*?)\]\]></Encrypt>", text):
                    put("safe_mode_crypto", enc)
                    put("push_open", enc)
            continue
        resp = case.get("response") or {}
        if "body" in resp:
            put("parse_responses", json.dumps(resp["body"], ensure_ascii=False))
        elif "body_text" in resp:
            put("parse_responses", resp["body_text"])
        if case.get("input") is not None:
            put("validate_and_build", json.dumps(case["input"], ensure_ascii=False))
        if case.get("operation") == "upload_kf_head_img":
            image = base64.b64decode(case["input"].get("image_base64", ""))
            put("multipart", b"wxkf-seed\0" + case["input"].get("filename", "avatar.jpg").encode() + b"\0image/jpeg\0" + image)
put("safe_mode_crypto", "<xml><ToUserName>gh</ToUserName><Content>你好 👋</Content></xml>")
