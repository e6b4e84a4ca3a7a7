//! The one table of operations: every list of operations in wxkf — the Rust `Client`'s
//! methods, the JSON dispatch the JS and Python bindings call, the Kotlin/Swift methods, the
//! generated host-language surfaces, the CLI's coverage test and the vector runners — derives
//! from the rows below.

/// Expands `$m! { rows }` with one row per operation:
///
/// ```text
/// /// doc
/// name(arg: Type, arg: Type = default; keyword: Option<Type>) -> Output : Endpoint = request;
/// ```
///
/// Arguments before `;` are positional (in every runtime; a literal default makes them
/// optional in JS, Python and the JSON dispatch); keyword arguments after it are optional
/// everywhere and absent from the Rust method (use `Client::execute` with the request).
/// `= request` builds the endpoint's request from the arguments; a row without it is a
/// method written by hand (the token calls, which use the client's own credentials).
/// Row types are plain names: the expansion site imports [`crate::ops::prelude`].
#[macro_export]
macro_rules! for_each_operation {
    ($m:ident) => {
        $m! {
            /// Adds a kf account (`prefix@wechat_id`, nickname 1–16 characters).
            add_kf_account(kf_account: String, nickname: String) -> () : AddKfAccount
                = AddKfAccount { kf_account, nickname };
            /// Changes a kf account's nickname.
            update_kf_account(kf_account: String, nickname: String) -> () : UpdateKfAccount
                = UpdateKfAccount { kf_account, nickname };
            /// Deletes a kf account.
            del_kf_account(kf_account: String) -> () : DelKfAccount
                = DelKfAccount { kf_account };
            /// Lists every kf account.
            get_kf_list() -> Vec<KfInfo> : GetKfList
                = GetKfList;
            /// Lists the kf accounts online now.
            get_kf_online_list() -> Vec<KfOnlineInfo> : GetKfOnlineList
                = GetKfOnlineList;
            /// Invites a WeChat user (by WeChat id) to bind a kf account.
            invite_worker(kf_account: String, invite_wx: String) -> () : InviteWorker
                = InviteWorker { kf_account, invite_wx };
            /// Uploads a kf account's avatar (JPEG bytes; `filename` defaults to `avatar.jpg`).
            upload_kf_head_img(kf_account: String, image: Vec<u8>; filename: Option<String>) -> () : UploadKfHeadImg
                = UploadKfHeadImg {
                    kf_account,
                    image,
                    filename: filename.unwrap_or_else(|| UploadKfHeadImg::DEFAULT_FILENAME.to_string()),
                };
            /// Sends a message to a user (within the window their last action opened).
            send_message(touser: String, message: Message) -> () : SendMessage
                = SendMessage { touser, message };
            /// Shows (`Typing`) or hides (`CancelTyping`) the "typing…" indicator; `businessid`
            /// is the current typing doc's optional field, sent only when set.
            send_typing(touser: String, command: TypingCommand; businessid: Option<String>) -> () : SendTyping
                = SendTyping { touser, command, businessid };
            /// Starts a session between an online kf and a user.
            create_kf_session(kf_account: String, openid: String) -> () : CreateKfSession
                = CreateKfSession { kf_account, openid };
            /// Closes a kf's session with a user.
            close_kf_session(kf_account: String, openid: String) -> () : CloseKfSession
                = CloseKfSession { kf_account, openid };
            /// Which kf serves a user (`kf_account` is null when none).
            get_kf_session(openid: String) -> KfSession : GetKfSession
                = GetKfSession { openid };
            /// The users a kf is serving.
            get_kf_session_list(kf_account: String) -> Vec<SessionItem> : GetKfSessionList
                = GetKfSessionList { kf_account };
            /// The users waiting for a kf (`count` is the total; at most 100 listed).
            get_wait_case_list() -> WaitCaseList : GetWaitCaseList
                = GetWaitCaseList;
            /// One page of message records of one window (at most 24 h within one China-time
            /// day; the first page uses msgid 1). The record walk covers whole ranges.
            get_msg_list(starttime: UnixTime, endtime: UnixTime, msgid: i64 = 1, number: i64 = 10000) -> MsgListPage : GetMsgList
                = GetMsgList { starttime, endtime, msgid, number };
            /// Calls `/cgi-bin/token` with the client's AppID and AppSecret (not cached).
            get_access_token() -> AccessTokenResponse : GetAccessToken;
            /// Calls `/cgi-bin/stable_token` with the client's AppID and AppSecret (not cached);
            /// `force_refresh` is rate limited by WeChat (about 20 a day, 30 s apart).
            get_stable_access_token(force_refresh: bool = false) -> AccessTokenResponse : GetStableAccessToken;
        }
    };
}
