#!/usr/bin/env python3
"""Writes the request/response vectors. Expected requests are written out by hand here, not
produced by wxkf, so the vectors check the Rust code instead of echoing it. Run it after
editing a case: `python3 tests/vectors/gen_vectors.py`."""
import base64, json, os

HERE = os.path.dirname(os.path.abspath(__file__))
T = "ACCESS_TOKEN"
OK = {"status": 200, "body": {"errcode": 0, "errmsg": "ok"}}
JPEG = bytes([0xFF, 0xD8, 0xFF, 0xE0]) + b"wxkf-avatar" + bytes([0xFF, 0xD9])
FIVE_MB = 5 * 1024 * 1024
KF_ID30 = "kf01@gh_" + "a" * 27  # 30 characters after the @


def req(method, path, query=None, **kw):
    q = {"access_token": T}
    q.update(query or {})
    return {"method": method, "path": path, "query": q, **kw}


def api_err(errcode, code, retry="never", errmsg="error"):
    return ({"status": 200, "body": {"errcode": errcode, "errmsg": errmsg}},
            {"error": {"kind": "api", "errcode": errcode, "code": code, "retry": retry}})


def case(name, op, inp, request, response=None, expect=None):
    c = {"name": name, "operation": op, "input": inp, "request": request}
    if response is not None:
        c["response"] = response
    c["expect"] = expect
    return c


def invalid(name, op, inp, field):
    return case(name, op, inp, None, None, {"error": {"kind": "validation", "field": field}})


SEND = "/cgi-bin/message/custom/send"


def send(name, touser, msgtype, payload, kf=None):
    message = {msgtype: payload}
    body = {"touser": touser, "msgtype": msgtype, msgtype: payload}
    if kf:
        message["kf_account"] = kf
        body["customservice"] = {"kf_account": kf}
    return case(name, "send_message", {"touser": touser, "message": message},
                req("POST", SEND, json=body, body_has_no_escapes=True), OK, {"result": None})


files = {}

files["tokens.json"] = [
    case("classic_token", "get_access_token", {"appid": "wx1234", "secret": "S3CR3T"},
         {"method": "GET", "path": "/cgi-bin/token",
          "query": {"grant_type": "client_credential", "appid": "wx1234", "secret": "S3CR3T"}},
         {"status": 200, "body": {"access_token": "TOKEN_A", "expires_in": 7200}},
         {"result": {"access_token": "TOKEN_A", "expires_in": 7200}}),
    case("stable_token", "get_stable_access_token", {"appid": "wx1234", "secret": "S3CR3T", "force_refresh": False},
         {"method": "POST", "path": "/cgi-bin/stable_token", "query": {},
          "json": {"grant_type": "client_credential", "appid": "wx1234", "secret": "S3CR3T", "force_refresh": False}},
         {"status": 200, "body": {"access_token": "TOKEN_B", "expires_in": 7200}},
         {"result": {"access_token": "TOKEN_B", "expires_in": 7200}}),
    case("stable_token_force_refresh_quota", "get_stable_access_token",
         {"appid": "wx1234", "secret": "S3CR3T", "force_refresh": True},
         {"method": "POST", "path": "/cgi-bin/stable_token", "query": {},
          "json": {"grant_type": "client_credential", "appid": "wx1234", "secret": "S3CR3T", "force_refresh": True}},
         *api_err(45009, "DAILY_QUOTA_EXCEEDED", errmsg="reach max api daily quota limit")),
    case("classic_token_wrong_secret", "get_access_token", {"appid": "wx1234", "secret": "nope"},
         {"method": "GET", "path": "/cgi-bin/token",
          "query": {"grant_type": "client_credential", "appid": "wx1234", "secret": "nope"}},
         *api_err(40125, "INVALID_APPSECRET", errmsg="invalid appsecret")),
    case("classic_token_ip_not_whitelisted", "get_access_token", {"appid": "wx1234", "secret": "S3CR3T"},
         {"method": "GET", "path": "/cgi-bin/token",
          "query": {"grant_type": "client_credential", "appid": "wx1234", "secret": "S3CR3T"}},
         *api_err(40164, "IP_NOT_WHITELISTED", errmsg="invalid ip 1.2.3.4, not in whitelist")),
    invalid("token_without_secret", "get_access_token", {"appid": "wx1234", "secret": ""}, "secret"),
]

files["accounts.json"] = [
    case("add_kf_account", "add_kf_account", {"kf_account": "kf01@gh_test", "nickname": "客服小王"},
         req("POST", "/customservice/kfaccount/add", json={"kf_account": "kf01@gh_test", "nickname": "客服小王"},
             body_has_no_escapes=True), OK, {"result": None}),
    case("add_kf_account_exists", "add_kf_account", {"kf_account": "kf01@gh_test", "nickname": "A"},
         req("POST", "/customservice/kfaccount/add", json={"kf_account": "kf01@gh_test", "nickname": "A"}),
         *api_err(65406, "KF_ACCOUNT_EXISTS", errmsg="kf account exsited")),
    case("update_kf_account", "update_kf_account", {"kf_account": "kf01@gh_test", "nickname": "小王 ✨"},
         req("POST", "/customservice/kfaccount/update", json={"kf_account": "kf01@gh_test", "nickname": "小王 ✨"},
             body_has_no_escapes=True), OK, {"result": None}),
    # The current doc: POST with a JSON body (older docs and SDKs: GET with a query).
    case("del_kf_account_post_json", "del_kf_account", {"kf_account": "kf_01@gh_test"},
         req("POST", "/customservice/kfaccount/del", json={"kf_account": "kf_01@gh_test"}), OK, {"result": None}),
    # The prefix takes English letters, digits and underscores; the id after @ up to 30 characters.
    case("add_kf_account_underscore_prefix", "add_kf_account", {"kf_account": "kf_1@gh_abc", "nickname": "A"},
         req("POST", "/customservice/kfaccount/add", json={"kf_account": "kf_1@gh_abc", "nickname": "A"}),
         OK, {"result": None}),
    case("add_kf_account_30_char_wechat_id", "add_kf_account", {"kf_account": KF_ID30, "nickname": "A"},
         req("POST", "/customservice/kfaccount/add", json={"kf_account": KF_ID30, "nickname": "A"}),
         OK, {"result": None}),
    case("invite_worker", "invite_worker", {"kf_account": "kf01@gh_test", "invite_wx": "wang_wx"},
         req("POST", "/customservice/kfaccount/inviteworker", json={"kf_account": "kf01@gh_test", "invite_wx": "wang_wx"}),
         OK, {"result": None}),
    case("invite_worker_already_pending", "invite_worker", {"kf_account": "kf01@gh_test", "invite_wx": "wang_wx"},
         req("POST", "/customservice/kfaccount/inviteworker", json={"kf_account": "kf01@gh_test", "invite_wx": "wang_wx"}),
         *api_err(65411, "KF_INVITATION_PENDING")),
    # "At most 5 MB", read as 5 MiB: an image of exactly 5,242,880 bytes goes out (described
    # compactly: `image_size`/`data_size` = that many 0xFF bytes); one byte more never leaves.
    case("upload_kf_head_img_5_mb", "upload_kf_head_img", {"kf_account": "kf01@gh_test", "image_size": FIVE_MB},
         req("POST", "/customservice/kfaccount/uploadheadimg", {"kf_account": "kf01@gh_test"},
             raw_query="access_token=ACCESS_TOKEN&kf_account=kf01@gh_test",
             multipart={"field": "media", "filename": "avatar.jpg", "content_type": "image/jpeg",
                        "data_size": FIVE_MB}), OK, {"result": None}),
    invalid("avatar_over_5_mb", "upload_kf_head_img", {"kf_account": "kf01@gh_test", "image_size": FIVE_MB + 1},
            "image"),
    case("upload_kf_head_img", "upload_kf_head_img",
         {"kf_account": "kf01@gh_test", "image_base64": base64.b64encode(JPEG).decode()},
         req("POST", "/customservice/kfaccount/uploadheadimg", {"kf_account": "kf01@gh_test"},
             raw_query="access_token=ACCESS_TOKEN&kf_account=kf01@gh_test",
             multipart={"field": "media", "filename": "avatar.jpg", "content_type": "image/jpeg",
                        "data_base64": base64.b64encode(JPEG).decode()}), OK, {"result": None}),
    case("get_kf_list", "get_kf_list", {}, req("GET", "/cgi-bin/customservice/getkflist"),
         {"status": 200, "body": {"kf_list": [
             {"kf_account": "kf01@gh_test", "kf_nick": "小王", "kf_id": "1001", "kf_headimgurl": "http://img/1",
              "kf_wx": "wang_wx"},
             {"kf_account": "kf02@gh_test", "kf_nick": "Li", "kf_id": 1002, "kf_headimgurl": "",
              "invite_wx": "li_wx", "invite_expire_time": 1795449600, "invite_status": "waiting", "new_field": True}]}},
         {"result": [
             {"kf_account": "kf01@gh_test", "kf_nick": "小王", "kf_id": "1001", "kf_headimgurl": "http://img/1",
              "kf_wx": "wang_wx"},
             {"kf_account": "kf02@gh_test", "kf_nick": "Li", "kf_id": "1002", "kf_headimgurl": "",
              "invite_wx": "li_wx", "invite_expire_time": 1795449600, "invite_status": "waiting"}]}),
    case("get_kf_online_list", "get_kf_online_list", {}, req("GET", "/cgi-bin/customservice/getonlinekflist"),
         {"status": 200, "body": {"kf_online_list": [
             {"kf_account": "kf01@gh_test", "status": 1, "kf_id": "1001", "accepted_case": 2}]}},
         {"result": [{"kf_account": "kf01@gh_test", "status": 1, "kf_id": "1001", "accepted_case": 2}]}),
    invalid("kf_account_without_at", "add_kf_account", {"kf_account": "kf01", "nickname": "A"}, "kf_account"),
    invalid("kf_account_prefix_too_long", "add_kf_account", {"kf_account": "abcdefghijk@gh_test", "nickname": "A"},
            "kf_account"),
    invalid("kf_account_underscore_prefix_too_long", "add_kf_account",
            {"kf_account": "kf_01234567@gh_test", "nickname": "A"}, "kf_account"),
    invalid("kf_account_prefix_with_hyphen", "add_kf_account", {"kf_account": "kf-01@gh_test", "nickname": "A"},
            "kf_account"),
    invalid("kf_account_31_char_wechat_id", "add_kf_account", {"kf_account": KF_ID30 + "x", "nickname": "A"},
            "kf_account"),
    invalid("del_kf_account_31_char_wechat_id", "del_kf_account", {"kf_account": KF_ID30 + "x"}, "kf_account"),
    invalid("nickname_too_long", "add_kf_account", {"kf_account": "kf01@gh_test", "nickname": "x" * 17}, "nickname"),
    invalid("empty_avatar", "upload_kf_head_img", {"kf_account": "kf01@gh_test", "image_base64": ""}, "image"),
]

files["messages.json"] = [
    send("send_text_with_kf_unicode", "o_user1", "text", {"content": "你好 👋 <a href=\"https://x\">link</a>"},
         kf="kf01@gh_test"),
    send("send_image", "o_user1", "image", {"media_id": "MEDIA_img"}),
    send("send_voice", "o_user1", "voice", {"media_id": "MEDIA_voice"}),
    send("send_video", "o_user1", "video", {"media_id": "MEDIA_v", "thumb_media_id": "MEDIA_t", "title": "视频",
                                            "description": "desc"}),
    send("send_music", "o_user1", "music", {"title": "Song", "description": "d", "musicurl": "http://m/1.mp3",
                                            "hqmusicurl": "http://m/1hq.mp3", "thumb_media_id": "MEDIA_t"}),
    send("send_news", "o_user1", "news", {"articles": [{"title": "T", "description": "D", "url": "http://a",
                                                        "picurl": "http://p"}]}),
    send("send_mpnews", "o_user1", "mpnews", {"media_id": "MEDIA_news"}),
    send("send_mpnewsarticle", "o_user1", "mpnewsarticle", {"article_id": "ARTICLE_1"}),
    send("send_msgmenu", "o_user1", "msgmenu", {"head_content": "您对本次服务是否满意呢?",
                                                "list": [{"id": "101", "content": "满意"},
                                                         {"id": "102", "content": "不满意"}],
                                                "tail_content": "欢迎再次光临"}, kf="kf01@gh_test"),
    send("send_wxcard", "o_user1", "wxcard", {"card_id": "CARD_1"}),
    send("send_miniprogrampage", "o_user1", "miniprogrampage", {"title": "Mini", "appid": "wxmini",
                                                                "pagepath": "pages/index?x=1",
                                                                "thumb_media_id": "MEDIA_t"}),
    case("send_out_of_window", "send_message", {"touser": "o_user1", "message": {"text": {"content": "hi"}}},
         req("POST", SEND, json={"touser": "o_user1", "msgtype": "text", "text": {"content": "hi"}}),
         *api_err(45015, "RESPONSE_OUT_OF_TIME", errmsg="response out of time limit or subscription is canceled")),
    case("send_response_count_limit", "send_message", {"touser": "o_user1", "message": {"text": {"content": "hi"}}},
         req("POST", SEND, json={"touser": "o_user1", "msgtype": "text", "text": {"content": "hi"}}),
         *api_err(45047, "RESPONSE_COUNT_EXCEEDED", errmsg="out of response count limit")),
    case("send_with_expired_token", "send_message", {"touser": "o_user1", "message": {"text": {"content": "hi"}}},
         req("POST", SEND, json={"touser": "o_user1", "msgtype": "text", "text": {"content": "hi"}}),
         *api_err(42001, "ACCESS_TOKEN_EXPIRED", "refresh_token", errmsg="access_token expired")),
    case("send_system_busy", "send_message", {"touser": "o_user1", "message": {"text": {"content": "hi"}}},
         req("POST", SEND, json={"touser": "o_user1", "msgtype": "text", "text": {"content": "hi"}}),
         *api_err(-1, "SYSTEM_BUSY", "retry_later", errmsg="system error")),
    case("send_unknown_errcode", "send_message", {"touser": "o_user1", "message": {"text": {"content": "hi"}}},
         req("POST", SEND, json={"touser": "o_user1", "msgtype": "text", "text": {"content": "hi"}}),
         {"status": 200, "body": {"errcode": 99999, "errmsg": "new error"}},
         {"error": {"kind": "api", "errcode": 99999, "code": "OTHER", "retry": "never"}}),
    invalid("news_with_two_articles", "send_message",
            {"touser": "o_user1", "message": {"news": {"articles": [
                {"title": "a", "url": "http://a"}, {"title": "b", "url": "http://b"}]}}}, "news.articles"),
    invalid("empty_text", "send_message", {"touser": "o_user1", "message": {"text": {"content": ""}}}, "text.content"),
    invalid("empty_touser", "send_message", {"touser": "", "message": {"image": {"media_id": "m"}}}, "touser"),
    invalid("empty_menu", "send_message", {"touser": "o", "message": {"msgmenu": {"list": []}}}, "msgmenu.list"),
    invalid("miniprogram_without_appid", "send_message",
            {"touser": "o", "message": {"miniprogrampage": {"title": "t", "appid": "", "pagepath": "p",
                                                            "thumb_media_id": "m"}}}, "miniprogrampage.appid"),
    invalid("empty_card_id", "send_message", {"touser": "o", "message": {"wxcard": {"card_id": ""}}}, "wxcard.card_id"),
    invalid("bad_sender_kf", "send_message",
            {"touser": "o", "message": {"text": {"content": "x"}, "kf_account": "nobody"}}, "kf_account"),
    case("typing", "send_typing", {"touser": "o_user1", "command": "Typing"},
         req("POST", "/cgi-bin/message/custom/typing", json={"touser": "o_user1", "command": "Typing"}),
         OK, {"result": None}),
    case("cancel_typing", "send_typing", {"touser": "o_user1", "command": "CancelTyping"},
         req("POST", "/cgi-bin/message/custom/typing", json={"touser": "o_user1", "command": "CancelTyping"}),
         OK, {"result": None}),
    case("typing_with_businessid", "send_typing", {"touser": "o_user1", "command": "Typing", "businessid": "biz_1001"},
         req("POST", "/cgi-bin/message/custom/typing",
             json={"touser": "o_user1", "command": "Typing", "businessid": "biz_1001"}), OK, {"result": None}),
    # Typing's own errors (current typing doc).
    case("typing_invalid_command", "send_typing", {"touser": "o_user1", "command": "Typing"},
         req("POST", "/cgi-bin/message/custom/typing", json={"touser": "o_user1", "command": "Typing"}),
         *api_err(45072, "TYPING_INVALID_COMMAND", errmsg="command字段取值不对")),
    case("typing_without_recent_exchange", "send_typing", {"touser": "o_user1", "command": "Typing"},
         req("POST", "/cgi-bin/message/custom/typing", json={"touser": "o_user1", "command": "Typing"}),
         *api_err(45080, "TYPING_WITHOUT_RECENT_EXCHANGE", errmsg="下发输入状态，需要之前30秒内跟用户有过消息交互")),
    case("typing_already_typing", "send_typing", {"touser": "o_user1", "command": "Typing"},
         req("POST", "/cgi-bin/message/custom/typing", json={"touser": "o_user1", "command": "Typing"}),
         *api_err(45081, "ALREADY_TYPING", errmsg="已经在输入状态，不可重复下发")),
    invalid("typing_with_empty_businessid", "send_typing",
            {"touser": "o_user1", "command": "Typing", "businessid": ""}, "businessid"),
]

S = "/customservice/kfsession/"
files["sessions.json"] = [
    case("create_kf_session", "create_kf_session", {"kf_account": "kf01@gh_test", "openid": "o_user1"},
         req("POST", S + "create", json={"kf_account": "kf01@gh_test", "openid": "o_user1"}), OK, {"result": None}),
    case("create_kf_session_kf_offline", "create_kf_session", {"kf_account": "kf01@gh_test", "openid": "o_user1"},
         req("POST", S + "create", json={"kf_account": "kf01@gh_test", "openid": "o_user1"}),
         *api_err(65415, "KF_NOT_ONLINE")),
    case("create_kf_session_kf_not_bound", "create_kf_session", {"kf_account": "kf01@gh_test", "openid": "o_user1"},
         req("POST", S + "create", json={"kf_account": "kf01@gh_test", "openid": "o_user1"}),
         *api_err(65402, "KF_NOT_BOUND")),
    case("close_kf_session_missing", "close_kf_session", {"kf_account": "kf01@gh_test", "openid": "o_user1"},
         req("POST", S + "close", json={"kf_account": "kf01@gh_test", "openid": "o_user1"}),
         *api_err(65413, "NO_SESSION")),
    case("close_kf_session", "close_kf_session", {"kf_account": "kf01@gh_test", "openid": "o_user1"},
         req("POST", S + "close", json={"kf_account": "kf01@gh_test", "openid": "o_user1"}), OK, {"result": None}),
    case("get_kf_session", "get_kf_session", {"openid": "o_user1"},
         req("GET", S + "getsession", {"openid": "o_user1"}),
         {"status": 200, "body": {"createtime": 1795449600, "errcode": 0, "errmsg": "ok", "kf_account": "kf01@gh_test"}},
         {"result": {"kf_account": "kf01@gh_test", "createtime": 1795449600}}),
    case("get_kf_session_none", "get_kf_session", {"openid": "o_user2"},
         req("GET", S + "getsession", {"openid": "o_user2"}),
         {"status": 200, "body": {"createtime": 0, "errcode": 0, "errmsg": "ok", "kf_account": ""}},
         {"result": {"kf_account": None, "createtime": 0}}),
    case("get_kf_session_list", "get_kf_session_list", {"kf_account": "kf01@gh_test"},
         req("GET", S + "getsessionlist", {"kf_account": "kf01@gh_test"},
             raw_query="access_token=ACCESS_TOKEN&kf_account=kf01@gh_test"),
         {"status": 200, "body": {"sessionlist": [{"createtime": 1795449600, "openid": "o_user1"}]}},
         {"result": [{"openid": "o_user1", "createtime": 1795449600}]}),
    case("get_wait_case_list_count_beyond_listed", "get_wait_case_list", {}, req("GET", S + "getwaitcase"),
         {"status": 200, "body": {"count": 150, "waitcaselist": [{"latest_time": 1795449601, "openid": "o_w1"}]}},
         {"result": {"count": 150, "waitcaselist": [{"openid": "o_w1", "latest_time": 1795449601}]}}),
    invalid("session_without_openid", "create_kf_session", {"kf_account": "kf01@gh_test", "openid": ""}, "openid"),
]

DAY = 1795449600  # 2026-11-24 00:00:00 +08:00
R = "/customservice/msgrecord/getmsglist"
files["records.json"] = [
    case("get_msg_list_first_page", "get_msg_list", {"starttime": DAY, "endtime": DAY + 86400, "msgid": 1, "number": 2},
         req("POST", R, json={"starttime": DAY, "endtime": DAY + 86400, "msgid": 1, "number": 2}),
         {"status": 200, "body": {"recordlist": [
             {"openid": "o_user1", "opercode": 2002, "text": "您好", "time": DAY + 10, "worker": "kf01@gh_test"},
             {"openid": "o_user1", "opercode": 2003, "text": "谢谢", "time": DAY + 20, "worker": "kf01@gh_test"}],
             "number": 2, "msgid": 20165267}},
         {"result": {"recordlist": [
             {"openid": "o_user1", "opercode": 2002, "text": "您好", "time": DAY + 10, "worker": "kf01@gh_test"},
             {"openid": "o_user1", "opercode": 2003, "text": "谢谢", "time": DAY + 20, "worker": "kf01@gh_test"}],
             "number": 2, "msgid": 20165267}}),
    case("get_msg_list_period_too_long", "get_msg_list",
         {"starttime": DAY, "endtime": DAY + 3600, "msgid": 1, "number": 10000},
         req("POST", R, json={"starttime": DAY, "endtime": DAY + 3600, "msgid": 1, "number": 10000}),
         *api_err(65417, "QUERY_PERIOD_TOO_LONG")),
    invalid("records_window_over_24h", "get_msg_list",
            {"starttime": DAY, "endtime": DAY + 86401, "msgid": 1, "number": 10}, "endtime"),
    invalid("records_crossing_china_midnight", "get_msg_list",
            {"starttime": DAY - 60, "endtime": DAY + 60, "msgid": 1, "number": 10}, "endtime"),
    invalid("records_end_before_start", "get_msg_list",
            {"starttime": DAY + 60, "endtime": DAY + 60, "msgid": 1, "number": 10}, "endtime"),
    invalid("records_number_over_10000", "get_msg_list",
            {"starttime": DAY, "endtime": DAY + 60, "msgid": 1, "number": 10001}, "number"),
    invalid("records_msgid_zero", "get_msg_list",
            {"starttime": DAY, "endtime": DAY + 60, "msgid": 0, "number": 10}, "msgid"),
]

files["errors.json"] = [
    case("http_502", "get_kf_list", {}, req("GET", "/cgi-bin/customservice/getkflist"),
         {"status": 502, "body_text": "Bad Gateway"}, {"error": {"kind": "http", "status": 502}}),
    case("html_body", "get_kf_list", {}, req("GET", "/cgi-bin/customservice/getkflist"),
         {"status": 200, "body_text": "<html>maintenance</html>"}, {"error": {"kind": "decode"}}),
    case("wrong_shape", "get_kf_list", {}, req("GET", "/cgi-bin/customservice/getkflist"),
         {"status": 200, "body": {"kf_list": "not a list"}}, {"error": {"kind": "decode"}}),
    case("invalid_credential", "get_kf_list", {}, req("GET", "/cgi-bin/customservice/getkflist"),
         *api_err(40001, "INVALID_CREDENTIAL", "refresh_token",
                  errmsg="invalid credential, access_token is invalid or not latest")),
    case("invalid_access_token", "get_wait_case_list", {}, req("GET", S + "getwaitcase"),
         *api_err(40014, "INVALID_ACCESS_TOKEN", "refresh_token", errmsg="invalid access_token")),
    case("minute_rate_limit", "get_kf_online_list", {}, req("GET", "/cgi-bin/customservice/getonlinekflist"),
         *api_err(45011, "MINUTE_RATE_LIMITED", "retry_later", errmsg="api minute-quota reach limit")),
    case("invalid_json_body", "add_kf_account", {"kf_account": "kf01@gh_test", "nickname": "A"},
         req("POST", "/customservice/kfaccount/add", json={"kf_account": "kf01@gh_test", "nickname": "A"}),
         *api_err(47001, "INVALID_JSON_BODY", errmsg="data format error")),
]

for name, cases in files.items():
    with open(os.path.join(HERE, name), "w", encoding="utf-8") as f:
        json.dump({"cases": cases}, f, ensure_ascii=False, indent=1)
        f.write("\n")
print(sum(len(c) for c in files.values()), "cases in", len(files), "files")
