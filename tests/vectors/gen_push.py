#!/usr/bin/env python3
"""Generates tests/vectors/push-*.json independently of the Rust core.

SHA-1 comes from hashlib, AES-256-CBC from the `cryptography` package (raw CBC, no
library padding: the 32-byte PKCS#7 is written out here), base64 from the standard
library; expected parsed values are written by hand below. Run once, commit the output:

    python3 tests/vectors/gen_push.py

Deterministic: every random input is a fixed constant. See PUSH.md for the format.
"""
import base64
import hashlib
import json
import os

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

HERE = os.path.dirname(os.path.abspath(__file__))

TOKEN = "wxkfTestToken2024"
# The last character carries non-zero trailing bits, as real EncodingAESKeys may.
AES_KEY_TEXT = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
APPID = "wx1234567890abcdef"
NOW = 1700000000
RANDOM16 = bytes(range(16))  # 000102…0f
CONFIG = {"token": TOKEN, "encoding_aes_key": AES_KEY_TEXT, "appid": APPID, "window_secs": 300}
GH = "gh_0123456789ab"
OPENID = "oUser_openid_0001"

KEY = base64.b64decode(AES_KEY_TEXT + "=")
assert len(KEY) == 32
IV = KEY[:16]


def sha1_sorted(*parts):
    return hashlib.sha1("".join(sorted(parts)).encode()).hexdigest()


def aes_raw(plain: bytes) -> bytes:
    enc = Cipher(algorithms.AES(KEY), modes.CBC(IV)).encryptor()
    return enc.update(plain) + enc.finalize()


def pkcs7_32(data: bytes) -> bytes:
    pad = 32 - len(data) % 32
    return data + bytes([pad]) * pad


def encrypt(xml: str, appid: str = APPID, random16: bytes = RANDOM16) -> str:
    x = xml.encode()
    plain = random16 + len(x).to_bytes(4, "big") + x + appid.encode()
    return base64.b64encode(aes_raw(pkcs7_32(plain))).decode()


def cdata(s):
    return "<![CDATA[" + s.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def plain_query(ts=NOW, nonce="nonce001"):
    ts = str(ts)
    return {"signature": sha1_sorted(TOKEN, ts, nonce), "timestamp": ts, "nonce": nonce}


def envelope(enc):
    return f"<xml><ToUserName>{cdata(GH)}</ToUserName><Encrypt>{cdata(enc)}</Encrypt></xml>"


def safe_push(enc, ts=NOW, nonce="nonce002"):
    ts = str(ts)
    q = {
        "signature": sha1_sorted(TOKEN, ts, nonce),
        "timestamp": ts,
        "nonce": nonce,
        "encrypt_type": "aes",
        "msg_signature": sha1_sorted(TOKEN, ts, nonce, enc),
    }
    return q, envelope(enc)


def header(msg_type, t=NOW - 5):
    return (
        f"<ToUserName>{cdata(GH)}</ToUserName>\n<FromUserName>{cdata(OPENID)}</FromUserName>\n"
        f"<CreateTime>{t}</CreateTime>\n<MsgType>{cdata(msg_type)}</MsgType>\n"
    )


def hdr_json(t=NOW - 5):
    return {"to_user_name": GH, "from_user_name": OPENID, "create_time": t}


def event(name, extra=""):
    return f"<xml>{header('event')}<Event>{cdata(name)}</Event>{extra}</xml>"


# (name, xml, expected message JSON)
MESSAGES = [
    ("text", f"<xml>{header('text')}<Content>{cdata('你好 <b>&amp; ]]> 😀')}</Content><MsgId>24188577285489235123</MsgId></xml>",
     {"type": "text", "content": "你好 <b>&amp; ]]> 😀", "msg_id": "24188577285489235123", "bizmsgmenuid": None}),
    ("msgmenu_click", f"<xml>{header('text')}<Content>{cdata('满意')}</Content><MsgId>1234567890123456</MsgId><bizmsgmenuid>101</bizmsgmenuid></xml>",
     {"type": "text", "content": "满意", "msg_id": "1234567890123456", "bizmsgmenuid": "101"}),
    ("image", f"<xml>{header('image')}<PicUrl>{cdata('http://mmbiz.qpic.cn/x.jpg')}</PicUrl><MediaId>{cdata('media_img_1')}</MediaId><MsgId>11</MsgId></xml>",
     {"type": "image", "pic_url": "http://mmbiz.qpic.cn/x.jpg", "media_id": "media_img_1", "msg_id": "11"}),
    ("voice", f"<xml>{header('voice')}<MediaId>{cdata('media_v_1')}</MediaId><Format>{cdata('amr')}</Format><MsgId>12</MsgId></xml>",
     {"type": "voice", "media_id": "media_v_1", "format": "amr", "recognition": None, "msg_id": "12"}),
    ("voice_recognition", f"<xml>{header('voice')}<MediaId>{cdata('media_v_2')}</MediaId><Format>{cdata('speex')}</Format><Recognition>{cdata('腾讯微信团队')}</Recognition><MsgId>13</MsgId></xml>",
     {"type": "voice", "media_id": "media_v_2", "format": "speex", "recognition": "腾讯微信团队", "msg_id": "13"}),
    ("video", f"<xml>{header('video')}<MediaId>{cdata('media_vid')}</MediaId><ThumbMediaId>{cdata('thumb_1')}</ThumbMediaId><MsgId>14</MsgId></xml>",
     {"type": "video", "media_id": "media_vid", "thumb_media_id": "thumb_1", "msg_id": "14"}),
    ("shortvideo", f"<xml>{header('shortvideo')}<MediaId>{cdata('media_sv')}</MediaId><ThumbMediaId>{cdata('thumb_2')}</ThumbMediaId><MsgId>15</MsgId></xml>",
     {"type": "shortvideo", "media_id": "media_sv", "thumb_media_id": "thumb_2", "msg_id": "15"}),
    ("location", f"<xml>{header('location')}<Location_X>23.134521</Location_X><Location_Y>113.358803</Location_Y><Scale>20</Scale><Label>{cdata('广州市天河区')}</Label><MsgId>16</MsgId></xml>",
     {"type": "location", "location_x": 23.134521, "location_y": 113.358803, "scale": 20, "label": "广州市天河区", "msg_id": "16"}),
    ("link", f"<xml>{header('link')}<Title>{cdata('公众平台官网链接')}</Title><Description>{cdata('desc')}</Description><Url>{cdata('https://mp.weixin.qq.com/?a=1&b=2')}</Url><MsgId>17</MsgId></xml>",
     {"type": "link", "title": "公众平台官网链接", "description": "desc", "url": "https://mp.weixin.qq.com/?a=1&b=2", "msg_id": "17"}),
    ("subscribe", event("subscribe", f"<EventKey>{cdata('')}</EventKey>"),
     {"type": "subscribe", "event_key": None, "ticket": None}),
    ("subscribe_scan", event("subscribe", f"<EventKey>{cdata('qrscene_123123')}</EventKey><Ticket>{cdata('TICKET_1')}</Ticket>"),
     {"type": "subscribe", "event_key": "qrscene_123123", "ticket": "TICKET_1"}),
    ("unsubscribe", event("unsubscribe"), {"type": "unsubscribe"}),
    ("scan", event("SCAN", f"<EventKey>{cdata('SCENE_VALUE')}</EventKey><Ticket>{cdata('TICKET_2')}</Ticket>"),
     {"type": "scan", "event_key": "SCENE_VALUE", "ticket": "TICKET_2"}),
    ("click", event("CLICK", f"<EventKey>{cdata('V1001_TODAY_MUSIC')}</EventKey>"),
     {"type": "click", "event_key": "V1001_TODAY_MUSIC"}),
    ("view", event("VIEW", f"<EventKey>{cdata('http://www.qq.com/')}</EventKey><MenuId>208396938</MenuId>"),
     {"type": "view", "event_key": "http://www.qq.com/", "menu_id": "208396938"}),
    ("kf_create_session", event("kf_create_session", f"<KfAccount>{cdata('test1@test')}</KfAccount>"),
     {"type": "kf_create_session", "kf_account": "test1@test"}),
    ("kf_close_session", event("kf_close_session", f"<KfAccount>{cdata('test1@test')}</KfAccount>"),
     {"type": "kf_close_session", "kf_account": "test1@test"}),
    ("kf_switch_session", event("kf_switch_session", f"<FromKfAccount>{cdata('test1@test')}</FromKfAccount><ToKfAccount>{cdata('test2@test')}</ToKfAccount>"),
     {"type": "kf_switch_session", "from_kf_account": "test1@test", "to_kf_account": "test2@test"}),
    ("other_event_location", event("LOCATION", "<Latitude>23.137466</Latitude><Longitude>113.352425</Longitude><Precision>119.385040</Precision>"),
     {"type": "other", "msg_type": "event", "event": "LOCATION", "fields": [
         {"name": "ToUserName", "value": GH}, {"name": "FromUserName", "value": OPENID},
         {"name": "CreateTime", "value": str(NOW - 5)}, {"name": "MsgType", "value": "event"},
         {"name": "Event", "value": "LOCATION"}, {"name": "Latitude", "value": "23.137466"},
         {"name": "Longitude", "value": "113.352425"}, {"name": "Precision", "value": "119.385040"}]}),
    ("other_nested_scancode", event("scancode_push", f"<EventKey>{cdata('6')}</EventKey><ScanCodeInfo><ScanType>{cdata('qrcode')}</ScanType><ScanResult>{cdata('1')}</ScanResult></ScanCodeInfo>"),
     {"type": "other", "msg_type": "event", "event": "scancode_push", "fields": [
         {"name": "ToUserName", "value": GH}, {"name": "FromUserName", "value": OPENID},
         {"name": "CreateTime", "value": str(NOW - 5)}, {"name": "MsgType", "value": "event"},
         {"name": "Event", "value": "scancode_push"}, {"name": "EventKey", "value": "6"},
         {"name": "ScanCodeInfo.ScanType", "value": "qrcode"}, {"name": "ScanCodeInfo.ScanResult", "value": "1"}]}),
    ("other_msgtype", f"<xml>{header('miniprogrampage')}<Title>{cdata('t')}</Title></xml>",
     {"type": "other", "msg_type": "miniprogrampage", "event": None, "fields": [
         {"name": "ToUserName", "value": GH}, {"name": "FromUserName", "value": OPENID},
         {"name": "CreateTime", "value": str(NOW - 5)}, {"name": "MsgType", "value": "miniprogrampage"},
         {"name": "Title", "value": "t"}]}),
]


def messages_file():
    cases = []
    for i, (name, xml, kind) in enumerate(MESSAGES):
        expected = dict(hdr_json(), **kind)
        nonce = f"pn{i:03d}"
        cases.append({"name": f"plain_{name}", "now": NOW, "query": plain_query(nonce=nonce), "body": xml,
                      "expect": {"encrypted": False, "raw_xml": xml, "message": expected}})
        enc = encrypt(xml)
        q, body = safe_push(enc, nonce=f"sn{i:03d}")
        cases.append({"name": f"safe_{name}", "now": NOW + 7, "query": q, "body": body,
                      "expect": {"encrypted": True, "raw_xml": xml, "message": expected}})
    # Compatibility mode: plain fields and Encrypt side by side; only Encrypt counts.
    xml = MESSAGES[0][1]
    enc = encrypt(xml)
    q, _ = safe_push(enc, nonce="compat01")
    compat = xml.replace("</xml>", f"<Encrypt>{cdata(enc)}</Encrypt></xml>")
    cases.append({"name": "compat_mode_uses_encrypt", "now": NOW, "query": q, "body": compat,
                  "expect": {"encrypted": True, "raw_xml": xml, "message": dict(hdr_json(), **MESSAGES[0][2])}})
    return {"format": "push-open (see PUSH.md)", "config": CONFIG, "cases": cases}


def err(kind):
    return {"code": "CALLBACK", "kind": kind}


def verr(field):
    return {"code": "VALIDATION", "field": field}


def errors_file():
    text_xml = MESSAGES[0][1]
    cases = []

    def add(name, query, body=None, now=NOW, error=None, **extra):
        case = {"name": name, "now": now, "query": query}
        if body is not None:
            case["body"] = body
        case.update(extra)
        case["error"] = error
        cases.append(case)

    q = plain_query(nonce="bad001")
    q["signature"] = sha1_sorted("otherToken", q["timestamp"], q["nonce"])
    add("plain_wrong_signature", q, text_xml, error=err("signature"))
    q = plain_query(nonce="bad002")
    del q["signature"]
    add("plain_missing_signature", q, text_xml, error=err("signature"))

    enc = encrypt(text_xml)
    q, body = safe_push(enc, nonce="bad003")
    q["msg_signature"] = sha1_sorted(TOKEN, q["timestamp"], q["nonce"], enc + "x")
    add("safe_wrong_msg_signature", q, body, error=err("signature"))
    q, body = safe_push(enc, nonce="bad004")
    del q["msg_signature"]
    add("safe_missing_msg_signature", q, body, error=err("signature"))

    q, body = safe_push(encrypt(text_xml, appid="wx0000000000000000"), nonce="bad005")
    add("safe_wrong_appid", q, body, error=err("appid"))

    x = text_xml.encode()
    core = RANDOM16 + len(x).to_bytes(4, "big") + x + APPID.encode()
    padn = 32 - len(core) % 32
    bad_pads = {
        "bad_padding_zero": core + bytes([0]) * padn if padn > 1 else None,
        "bad_padding_inconsistent": core + bytes([padn + 1 if padn < 32 else 1]) + bytes([padn]) * (padn - 1),
        "bad_padding_over_32": core + bytes(range(padn - 1)) + bytes([padn]) + bytes([33]) * 32,
    }
    for name, padded in bad_pads.items():
        if padded is None:
            continue
        # over_32 rewrite: make the total a multiple of 16 with a last byte 33.
        if len(padded) % 16:
            padded = padded + bytes([33]) * (16 - len(padded) % 16)
        enc_bad = base64.b64encode(aes_raw(padded)).decode()
        q, body = safe_push(enc_bad, nonce="b" + name[-6:])
        add("safe_" + name, q, body, error=err("crypto"))

    long_len = RANDOM16 + (len(x) + 1000).to_bytes(4, "big") + x + APPID.encode()
    q, body = safe_push(base64.b64encode(aes_raw(pkcs7_32(long_len))).decode(), nonce="bad006")
    add("safe_length_field_exceeds_payload", q, body, error=err("crypto"))

    trunc = enc[:-3]
    q, body = safe_push(trunc, nonce="bad007")
    add("safe_truncated_base64", q, body, error=err("crypto"))
    q, body = safe_push("!!!not-base64!!!", nonce="bad008")
    add("safe_invalid_base64_chars", q, body, error=err("crypto"))
    q, body = safe_push(base64.b64encode(bytes(range(20))).decode(), nonce="bad009")
    add("safe_ciphertext_not_block_aligned", q, body, error=err("crypto"))

    add("plain_stale_timestamp", plain_query(nonce="bad010"), text_xml, now=NOW + 301, error=err("timestamp"))
    add("plain_future_timestamp", plain_query(nonce="bad011"), text_xml, now=NOW - 301, error=err("timestamp"))
    q, body = safe_push(enc, nonce="bad012")
    add("safe_stale_timestamp", q, body, now=NOW + 3600, error=err("timestamp"))
    q = {"signature": sha1_sorted(TOKEN, "yesterday", "bad013"), "timestamp": "yesterday", "nonce": "bad013"}
    add("plain_timestamp_not_a_number", q, text_xml, error=err("timestamp"))

    add("plain_replayed_nonce", plain_query(nonce="replay1"), text_xml, error=err("replay"),
        guard={"capacity": 1000, "times": 2})
    q, body = safe_push(enc, nonce="replay2")
    add("safe_replayed_nonce", q, body, error=err("replay"), guard={"capacity": 1000, "times": 2})

    add("oversized_body", plain_query(nonce="bad014"), "a", body_repeat=1024 * 1024 + 1, error=err("too_large"))

    doctype = ('<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
               f"<xml>{header('text')}<Content>&xxe;</Content></xml>")
    add("plain_doctype_xxe", plain_query(nonce="bad015"), doctype, error=err("xml"))
    q, body = safe_push(encrypt(doctype), nonce="bad016")
    add("safe_doctype_xxe_inside", q, body, error=err("xml"))
    add("plain_undefined_entity", plain_query(nonce="bad017"),
        f"<xml>{header('text')}<Content>&lol;</Content></xml>", error=err("xml"))
    deep = f"<xml>{header('text')}<Content>x</Content>" + "<a>" * 50 + "</a>" * 50 + "</xml>"
    add("plain_deeply_nested", plain_query(nonce="bad018"), deep, error=err("xml"))
    add("plain_malformed_xml", plain_query(nonce="bad019"), f"<xml>{header('text')}<Content>x</xml>", error=err("xml"))
    add("plain_text_without_content", plain_query(nonce="bad020"), f"<xml>{header('text')}</xml>", error=err("xml"))
    add("plain_not_utf8", plain_query(nonce="bad021"), None, error=err("xml"),
        body_base64=base64.b64encode(b"<xml>\xff\xfe</xml>").decode())
    q, _ = safe_push(enc, nonce="bad022")
    add("safe_envelope_without_encrypt", q, f"<xml><ToUserName>{cdata(GH)}</ToUserName></xml>", error=err("xml"))
    q, body = safe_push(enc, nonce="bad023")
    q["encrypt_type"] = "sm4"
    add("unsupported_encrypt_type", q, body, error=err("crypto"))
    q, body = safe_push(enc, nonce="bad024")
    add("safe_push_without_configured_key", q, body, error=verr("encoding_aes_key"),
        config={"token": TOKEN, "encoding_aes_key": None, "appid": APPID, "window_secs": 300})
    q, body = safe_push(enc, nonce="bad025")
    add("config_key_wrong_length", q, body, error=verr("encoding_aes_key"),
        config={"token": TOKEN, "encoding_aes_key": AES_KEY_TEXT[:42], "appid": APPID, "window_secs": 300})
    return {"format": "push-open (see PUSH.md)", "config": CONFIG, "cases": cases}


def url_file():
    def q(ts, nonce, token=TOKEN, echostr="echo_5914571254387"):
        return {"signature": sha1_sorted(token, str(ts), nonce), "timestamp": str(ts), "nonce": nonce, "echostr": echostr}

    good = q(NOW, "1514711492")
    upper = dict(good, signature=good["signature"].upper())
    return {"format": "push-url (see PUSH.md)", "config": CONFIG, "cases": [
        {"name": "good", "now": NOW, "query": good, "expect": {"echostr": "echo_5914571254387"}},
        {"name": "good_uppercase_signature", "now": NOW, "query": upper, "expect": {"echostr": "echo_5914571254387"}},
        {"name": "good_edge_of_window", "now": NOW + 300, "query": good, "expect": {"echostr": "echo_5914571254387"}},
        {"name": "bad_signature", "now": NOW, "query": q(NOW, "1514711492", token="wrong"), "error": err("signature")},
        {"name": "missing_signature", "now": NOW, "query": dict(good, signature=""), "error": err("signature")},
        {"name": "stale_timestamp", "now": NOW + 301, "query": good, "error": err("timestamp")},
        {"name": "future_timestamp", "now": NOW - 301, "query": good, "error": err("timestamp")},
        {"name": "timestamp_not_a_number", "now": NOW, "query": q("17e8", "n"), "error": err("timestamp")},
    ]}


def reply_xml(push_from, push_to, now, body):
    return (f"<xml><ToUserName>{cdata(push_from)}</ToUserName><FromUserName>{cdata(push_to)}</FromUserName>"
            f"<CreateTime>{now}</CreateTime>{body}</xml>")


def replies_file():
    push_xml = MESSAGES[0][1]
    plain_push = {"now": NOW, "query": plain_query(nonce="rp0001"), "body": push_xml}
    q, body = safe_push(encrypt(push_xml), nonce="rs0001")
    safe_push_ = {"now": NOW, "query": q, "body": body}
    reply_now = NOW + 1
    nonce = "1320562132"
    random16 = bytes.fromhex("a1b2c3d4e5f60718293a4b5c6d7e8f90")
    replies = [
        ("transfer_any_kf", {"type": "transfer_customer_service", "kf_account": None},
         f"<MsgType>{cdata('transfer_customer_service')}</MsgType>"),
        ("transfer_to_kf", {"type": "transfer_customer_service", "kf_account": "test1@test"},
         f"<MsgType>{cdata('transfer_customer_service')}</MsgType><TransInfo><KfAccount>{cdata('test1@test')}</KfAccount></TransInfo>"),
        ("text", {"type": "text", "content": "您好，客服马上就来 ]]> <&>"},
         f"<MsgType>{cdata('text')}</MsgType><Content>{cdata('您好，客服马上就来 ]]> <&>')}</Content>"),
    ]
    cases = []
    for name, reply, inner in replies:
        xml = reply_xml(OPENID, GH, reply_now, inner)
        cases.append({"name": f"plain_{name}", "push": plain_push, "reply": reply, "now": reply_now,
                      "nonce": nonce, "random_hex": random16.hex(), "expect": {"body": xml}})
        enc = encrypt(xml, random16=random16)
        sig = sha1_sorted(TOKEN, str(reply_now), nonce, enc)
        env = (f"<xml><Encrypt>{cdata(enc)}</Encrypt><MsgSignature>{cdata(sig)}</MsgSignature>"
               f"<TimeStamp>{reply_now}</TimeStamp><Nonce>{cdata(nonce)}</Nonce></xml>")
        cases.append({"name": f"safe_{name}", "push": safe_push_, "reply": reply, "now": reply_now,
                      "nonce": nonce, "random_hex": random16.hex(), "expect": {"body": env, "inner_xml": xml}})
    for mode, p in (("plain", plain_push), ("safe", safe_push_)):
        cases.append({"name": f"{mode}_success", "push": p, "reply": {"type": "success"}, "now": reply_now,
                      "nonce": nonce, "random_hex": random16.hex(), "expect": {"body": "success"}})
    cases.append({"name": "bad_kf_account", "push": plain_push,
                  "reply": {"type": "transfer_customer_service", "kf_account": "no-at-sign"}, "now": reply_now,
                  "nonce": nonce, "random_hex": random16.hex(), "error": verr("kf_account")})
    cases.append({"name": "empty_text", "push": plain_push, "reply": {"type": "text", "content": ""},
                  "now": reply_now, "nonce": nonce, "random_hex": random16.hex(), "error": verr("content")})
    cases.append({"name": "safe_bad_nonce", "push": safe_push_, "reply": {"type": "text", "content": "x"},
                  "now": reply_now, "nonce": "]]><x>", "random_hex": random16.hex(), "error": verr("nonce")})
    # Only a user's message can be transferred to customer service, not an event: the reply is
    # refused before anything is written back. An event may still get `success` or a text;
    # a message of a kind wxkf does not know (not MsgType `event`) may be transferred.
    by_name = {name: xml for name, xml, _ in MESSAGES}
    transfer = {"type": "transfer_customer_service", "kf_account": None}
    for i, name in enumerate(["click", "subscribe", "scan", "other_event_location", "kf_close_session"]):
        p = {"now": NOW, "query": plain_query(nonce=f"rev{i:03}"), "body": by_name[name]}
        cases.append({"name": f"transfer_refused_for_{name}", "push": p, "reply": transfer, "now": reply_now,
                      "nonce": nonce, "random_hex": random16.hex(), "error": verr("reply")})
    click = {"now": NOW, "query": plain_query(nonce="rev100"), "body": by_name["click"]}
    cases.append({"name": "event_text_reply", "push": click, "reply": {"type": "text", "content": "菜单收到"},
                  "now": reply_now, "nonce": nonce, "random_hex": random16.hex(),
                  "expect": {"body": reply_xml(OPENID, GH, reply_now,
                                               f"<MsgType>{cdata('text')}</MsgType><Content>{cdata('菜单收到')}</Content>")}})
    cases.append({"name": "event_success_reply", "push": click, "reply": {"type": "success"}, "now": reply_now,
                  "nonce": nonce, "random_hex": random16.hex(), "expect": {"body": "success"}})
    other = {"now": NOW, "query": plain_query(nonce="rev101"), "body": by_name["other_msgtype"]}
    cases.append({"name": "transfer_of_an_unknown_message_kind", "push": other, "reply": transfer, "now": reply_now,
                  "nonce": nonce, "random_hex": random16.hex(),
                  "expect": {"body": reply_xml(OPENID, GH, reply_now,
                                               f"<MsgType>{cdata('transfer_customer_service')}</MsgType>")}})
    return {"format": "push-reply (see PUSH.md)", "config": CONFIG, "cases": cases}


def write(name, data):
    path = os.path.join(HERE, name)
    with open(path, "w", encoding="utf-8") as f:
        json.dump(data, f, ensure_ascii=False, indent=1)
        f.write("\n")
    print(f"{name}: {len(data['cases'])} cases")


if __name__ == "__main__":
    write("push-url.json", url_file())
    write("push-messages.json", messages_file())
    write("push-errors.json", errors_file())
    write("push-replies.json", replies_file())
