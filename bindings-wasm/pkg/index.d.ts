// Types of the npm package `wxkf`. Data objects keep WeChat's own (snake_case) field names.

// ---------------------------------------------------------------------------------------
// Client options and tokens
// ---------------------------------------------------------------------------------------

/** A token handed out by a broker (`tokenProvider`). */
export interface ProvidedToken {
  /** The access token. */
  accessToken: string;
  /** When it expires: milliseconds since the epoch, or a Date. */
  expiresAt: number | Date;
}

/** A token as the client stores it in a `tokenStore` (a JSON-safe plain object). */
export interface StoredToken {
  access_token: string;
  /** Expiry, milliseconds since the epoch. */
  expires_at_ms: number;
  /** When it was obtained, milliseconds since the epoch. */
  obtained_at_ms: number;
}

/** Where tokens are cached, e.g. Workers KV or Redis; each method may return a promise. */
export interface TokenStore {
  get(key: string): StoredToken | null | undefined | Promise<StoredToken | null | undefined>;
  set(key: string, token: StoredToken): void | Promise<void>;
  /** Called only after `get` showed the key still holds the token WeChat rejected. */
  delete(key: string): unknown;
}

/** Arguments of `requestAccessToken`. */
export interface TokenRequest {
  appId: string;
  appSecret: string;
  /** `"stable"` (default) or `"classic"`. */
  token?: "stable" | "classic";
  /** Stable token only: invalidate the current token and issue a new one (about 20 a day). */
  forceRefresh?: boolean;
}

/** WeChat's token answer. */
export interface AccessTokenResponse {
  access_token: string;
  /** Seconds of validity left. */
  expires_in: number;
}

/** Retry settings for transient failures (token errors are always refreshed and retried once). */
export interface RetryOptions {
  /** Attempts in all for a read (1 = no retry). Default 3. */
  maxAttempts?: number;
  /** First backoff delay in ms. Default 100. */
  baseDelayMs?: number;
  /** Largest backoff delay in ms. Default 2000. */
  maxDelayMs?: number;
  /** No retry starts after this many ms since the call began. Default 15000. */
  deadlineMs?: number;
  /** Also retry writes on timeouts, resets, 5xx and -1 (may deliver twice). Default false. */
  retryWrites?: boolean;
}

interface ClientOptionsBase {
  /** WeChat's base URL (the emulator's in tests). Default `https://api.weixin.qq.com`. */
  baseUrl?: string;
  /** Token cache; in memory by default. */
  tokenStore?: TokenStore;
  /** Retry policy, or `false` for none. */
  retry?: RetryOptions | false;
  /** The `fetch` to use; the runtime's global `fetch` by default. */
  fetch?: (url: string, init: RequestInit) => Promise<Response>;
}

/** Tokens fetched from WeChat with the AppSecret (stable token by default). */
export interface SecretClientOptions extends ClientOptionsBase {
  appId: string;
  appSecret: string;
  /** `"stable"` (default, safe with several processes) or `"classic"`. */
  token?: "stable" | "classic";
  tokenProvider?: never;
  accessToken?: never;
}

/** Tokens from a broker: the mode for edge functions, which must not hold the AppSecret. */
export interface ProviderClientOptions extends ClientOptionsBase {
  appId?: string;
  /** Called when a token is needed; `failed` is the token WeChat just rejected, if any. */
  tokenProvider: (failed?: string) => Promise<ProvidedToken> | ProvidedToken;
  appSecret?: never;
  accessToken?: never;
}

/** A fixed token, never refreshed. */
export interface FixedTokenClientOptions extends ClientOptionsBase {
  appId?: string;
  accessToken: string;
  appSecret?: never;
  tokenProvider?: never;
}

export type ClientOptions = SecretClientOptions | ProviderClientOptions | FixedTokenClientOptions;

/** Per-call options. */
export interface CallOptions {
  /** Aborting rejects the call with a TransportError (`transportKind: "aborted"`, or `"timeout"` for `AbortSignal.timeout(ms)`) and aborts its fetch. */
  signal?: AbortSignal;
}

// ---------------------------------------------------------------------------------------
// Messages
// ---------------------------------------------------------------------------------------

export interface TextPayload { content: string }
export interface MediaPayload { media_id: string }
export interface VideoPayload { media_id: string; thumb_media_id: string; title?: string; description?: string }
export interface MusicPayload { title?: string; description?: string; musicurl: string; hqmusicurl: string; thumb_media_id: string }
export interface NewsArticle { title: string; description?: string; url: string; picurl?: string }
/** Exactly one article. */
export interface NewsPayload { articles: [NewsArticle] }
export interface MpNewsArticlePayload { article_id: string }
export interface MenuItem { id: string; content: string }
export interface MsgMenuPayload { head_content?: string; list: MenuItem[]; tail_content?: string }
export interface WxCardPayload { card_id: string }
export interface MiniProgramPagePayload { title: string; appid: string; pagepath: string; thumb_media_id: string }

interface MessageBase {
  /** Send as this kf account (`prefix@wechat_id`). */
  kf_account?: string;
}

/** A customer-service message: one key naming its kind (the user never writes `msgtype`). */
export type Message =
  | (MessageBase & { text: TextPayload })
  | (MessageBase & { image: MediaPayload })
  | (MessageBase & { voice: MediaPayload })
  | (MessageBase & { video: VideoPayload })
  | (MessageBase & { music: MusicPayload })
  | (MessageBase & { news: NewsPayload })
  /** Legacy: since the draft box, new articles are sent as `mpnewsarticle`. */
  | (MessageBase & { mpnews: MediaPayload })
  | (MessageBase & { mpnewsarticle: MpNewsArticlePayload })
  | (MessageBase & { msgmenu: MsgMenuPayload })
  | (MessageBase & { wxcard: WxCardPayload })
  | (MessageBase & { miniprogrampage: MiniProgramPagePayload });

/** The typing indicator command. */
export type TypingCommand = "Typing" | "CancelTyping";

/** Options of `sendTyping`. */
export interface TypingOptions extends CallOptions {
  /** The current typing doc's optional `businessid`; sent only when set. */
  businessid?: string;
}

// ---------------------------------------------------------------------------------------
// Results
// ---------------------------------------------------------------------------------------

export type InviteStatus = "waiting" | "rejected" | "expired" | "unknown";

/** One kf account (`getKfList`). */
export interface KfInfo {
  kf_account: string;
  kf_nick: string;
  /** Always a string. */
  kf_id: string;
  kf_headimgurl: string;
  kf_wx?: string;
  invite_wx?: string;
  invite_expire_time?: number;
  invite_status?: InviteStatus;
}

/** One online kf account (`getKfOnlineList`). */
export interface KfOnlineInfo {
  kf_account: string;
  /** 1 = web client online. */
  status: number;
  kf_id: string;
  accepted_case: number;
}

/** Which kf serves a user (`getKfSession`). */
export interface KfSession {
  /** `null` when the user is in no session. */
  kf_account: string | null;
  createtime: number;
}

/** A user served by a kf (`getKfSessionList`). */
export interface SessionItem { openid: string; createtime: number }

/** A waiting user. */
export interface WaitCase { openid: string; latest_time: number }

/** The wait queue (`getWaitCaseList`): `count` is the total, at most 100 listed. */
export interface WaitCaseList { count: number; waitcaselist: WaitCase[] }

/** One message record. */
export interface MsgRecord { openid: string; opercode: number; text: string; time: number; worker: string }

/** One page of records (`getMsgList`). */
export interface MsgListPage { recordlist: MsgRecord[]; number: number; msgid: number }

/** Arguments of `getMsgList` (unix seconds; one window of at most 24 h). */
export interface MsgListQuery { starttime: number; endtime: number; msgid: number; number: number }

/** Where a record walk stands; pass it back as `msgRecords({ cursor })`. */
export interface RecordCursor { window_start: number; to: number; msgid: number; skip: number }

/** Options of `msgRecords`: a range (unix seconds or Dates) or a saved cursor. */
export type MsgRecordsOptions = ({ from: number | Date; to: number | Date; cursor?: never } | { cursor: RecordCursor; from?: never; to?: never }) & {
  /** Records a page, 1–10000 (default 10000). */
  pageSize?: number;
  signal?: AbortSignal;
};

/** Every record of a range in order (split by China-time day, paged by msgid). */
export interface RecordIterator extends AsyncIterableIterator<MsgRecord> {
  next(): Promise<IteratorResult<MsgRecord, undefined>>;
  /** The rest of the current page (fetching the next when needed); `[]` at the end. */
  nextPage(): Promise<MsgRecord[]>;
  /** Resume point: exactly the records not yet taken; `null` when done. */
  cursor(): RecordCursor | null;
  /** Pages fetched so far. */
  readonly pagesFetched: number;
}

// ---------------------------------------------------------------------------------------
// Client
// ---------------------------------------------------------------------------------------

/** The customer-service (kf) API client. Every method rejects with a `WxkfError`. */
export declare class Client {
  /** @throws {ValidationError} on bad options. */
  constructor(options: ClientOptions);
  /** Tokens fetched so far (from WeChat or the provider). */
  readonly tokenFetches: number;
  /** The current access token, fetched when needed (for brokers). */
  accessToken(opts?: CallOptions): Promise<string>;
  /** Calls WeChat's token endpoint directly, without the cache (e.g. to force-refresh a stable token). */
  requestAccessToken(credentials: TokenRequest, opts?: CallOptions): Promise<AccessTokenResponse>;
  /** Adds a kf account (`prefix@wechat_id`, nickname 1–16 characters). */
  addKfAccount(kfAccount: string, nickname: string, opts?: CallOptions): Promise<null>;
  /** Changes a kf account's nickname. */
  updateKfAccount(kfAccount: string, nickname: string, opts?: CallOptions): Promise<null>;
  /** Deletes a kf account. */
  delKfAccount(kfAccount: string, opts?: CallOptions): Promise<null>;
  /** Lists every kf account. */
  getKfList(opts?: CallOptions): Promise<KfInfo[]>;
  /** Lists the kf accounts online now. */
  getKfOnlineList(opts?: CallOptions): Promise<KfOnlineInfo[]>;
  /** Invites a WeChat user to bind a kf account. */
  inviteWorker(kfAccount: string, inviteWx: string, opts?: CallOptions): Promise<null>;
  /** Uploads a kf account's avatar (JPEG bytes). */
  uploadKfHeadImg(kfAccount: string, image: Uint8Array | ArrayBuffer, opts?: CallOptions): Promise<null>;
  /** Sends a message to a user (within 48 hours of their last interaction). */
  sendMessage(touser: string, message: Message, opts?: CallOptions): Promise<null>;
  /** Shows or hides the typing indicator (`businessid`: the typing doc's optional field). */
  sendTyping(touser: string, command: TypingCommand, opts?: TypingOptions): Promise<null>;
  /** Starts a session between an online kf and a user. */
  createKfSession(kfAccount: string, openid: string, opts?: CallOptions): Promise<null>;
  /** Closes a kf's session with a user. */
  closeKfSession(kfAccount: string, openid: string, opts?: CallOptions): Promise<null>;
  /** Which kf serves a user, if any. */
  getKfSession(openid: string, opts?: CallOptions): Promise<KfSession>;
  /** The users a kf is serving. */
  getKfSessionList(kfAccount: string, opts?: CallOptions): Promise<SessionItem[]>;
  /** The users waiting for a kf. */
  getWaitCaseList(opts?: CallOptions): Promise<WaitCaseList>;
  /** One page of message records of one window. */
  getMsgList(query: MsgListQuery, opts?: CallOptions): Promise<MsgListPage>;
  /** Every record of a range as an async iterator. @throws {ValidationError} on a bad range. */
  msgRecords(options: MsgRecordsOptions): RecordIterator;
}

// ---------------------------------------------------------------------------------------
// Push (callback) side
// ---------------------------------------------------------------------------------------

/** Callback settings, as entered on the WeChat admin page. */
export interface WebhookOptions {
  /** The Token that signs pushes. */
  token: string;
  /** The 43-character EncodingAESKey; without it only plain-mode pushes are accepted. */
  encodingAesKey?: string;
  /** The AppID safe-mode payloads must name. */
  appId?: string;
  /** Accepted clock skew in seconds either side of now (default 300). */
  windowSecs?: number;
  /** Remembered (nonce, timestamp) pairs against replays (default 10000; 0 = no guard). */
  replayCapacity?: number;
}

/** A query string: URLSearchParams, a URL, a string, or a plain object of strings. */
export type QueryInput = URLSearchParams | URL | string | Record<string, string | undefined>;

interface PushBase { to_user_name: string; from_user_name: string; create_time: number }

/** A push: a user message or an event, by `type`. `msg_id` is a string (it exceeds 2^53). */
export type PushMessage = PushBase & (
  | { type: "text"; content: string; msg_id: string | null; bizmsgmenuid: string | null }
  | { type: "image"; pic_url: string; media_id: string; msg_id: string | null }
  | { type: "voice"; media_id: string; format: string; recognition: string | null; msg_id: string | null }
  | { type: "video"; media_id: string; thumb_media_id: string; msg_id: string | null }
  | { type: "shortvideo"; media_id: string; thumb_media_id: string; msg_id: string | null }
  | { type: "location"; location_x: number; location_y: number; scale: number; label: string; msg_id: string | null }
  | { type: "link"; title: string; description: string; url: string; msg_id: string | null }
  | { type: "subscribe"; event_key: string | null; ticket: string | null }
  | { type: "unsubscribe" }
  | { type: "scan"; event_key: string; ticket: string | null }
  | { type: "click"; event_key: string }
  | { type: "view"; event_key: string; menu_id: string | null }
  | { type: "kf_create_session"; kf_account: string }
  | { type: "kf_close_session"; kf_account: string }
  | { type: "kf_switch_session"; from_kf_account: string; to_kf_account: string }
  | { type: "other"; msg_type: string; event: string | null; fields: { name: string; value: string }[] }
);

/** A verified, decrypted, parsed push. */
export interface OpenedPush {
  message: PushMessage;
  /** Whether it came encrypted (then the reply is encrypted too). */
  encrypted: boolean;
  /** The (decrypted) XML. */
  raw_xml: string;
}

/** A passive reply. */
export type Reply =
  | { type: "success" }
  | { type: "text"; content: string }
  /** Hand the user to customer service, optionally to one kf (`prefix@wechat_id`). */
  | { type: "transfer_customer_service"; kf_account?: string | null };

/** Options of the push calls: `now` (unix seconds) defaults to the clock. */
export interface PushCallOptions { now?: number | Date }

/** Options of `reply`: `nonce` and `random` (32 hex digits) fix the random parts, for tests. */
export interface ReplyOptions extends PushCallOptions { nonce?: string; random?: string }

/** The push side of one Official Account. Methods throw `WxkfError`s (`CallbackError` for refused pushes). */
export declare class Webhook {
  /** @throws {ValidationError} on a bad token or EncodingAESKey. */
  constructor(options: WebhookOptions);
  /** Verifies a URL check (GET); returns the `echostr` to answer with. */
  checkUrl(query: QueryInput, opts?: PushCallOptions): string;
  /** Verifies, decrypts (safe mode) and parses a push (POST body as text or bytes). */
  open(query: QueryInput, body: string | Uint8Array | ArrayBuffer, opts?: PushCallOptions): OpenedPush;
  /** The HTTP body answering `push` (encrypted when the push was). */
  reply(push: OpenedPush, reply: Reply, opts?: ReplyOptions): string;
  /** Handles a fetch-style Request: URL checks, pushes (403 when refused), replies from `onPush`. */
  handle(
    request: Request,
    onPush: (message: PushMessage, push: OpenedPush) => Reply | void | undefined | Promise<Reply | void | undefined>,
  ): Promise<Response>;
}

// ---------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------

export type ErrorKind = "api" | "validation" | "decode" | "http" | "transport" | "callback" | "internal";
export type RetryClass = "refresh_token" | "retry_later" | "never";
export type ErrorFamily =
  | "token" | "credential" | "rate_limit" | "out_of_window" | "response_limit"
  | "invalid_request" | "account" | "session" | "message" | "other";
export type TransportKind = "connect" | "timeout" | "reset" | "aborted" | "not_sent" | "other";
export type CallbackKind = "signature" | "timestamp" | "replay" | "too_large" | "crypto" | "appid" | "xml";

/** Base class of every wxkf error. Messages never hold a secret or a token. */
export declare class WxkfError extends Error {
  readonly kind: ErrorKind;
  /** Stable name: the catalogue name of an API error (e.g. `"RESPONSE_OUT_OF_TIME"`), else `VALIDATION`, `DECODE`, `HTTP_STATUS`, `TRANSPORT`, `CALLBACK`, `INTERNAL`. */
  readonly code: string;
  /** WeChat's errcode (API errors), else null. */
  readonly errcode: number | null;
  /** WeChat's errmsg (API errors), else null. */
  readonly errmsg: string | null;
}
/** WeChat answered with a non-zero errcode. */
export declare class ApiError extends WxkfError {
  readonly kind: "api";
  readonly errcode: number;
  readonly errmsg: string;
  readonly retry: RetryClass;
  readonly family: ErrorFamily;
}
/** Bad input, refused before anything was sent. */
export declare class ValidationError extends WxkfError {
  readonly kind: "validation";
  /** The field: its wire name (`kf_account`, `text.content`, `appid`, `encoding_aes_key`, ...) or the option name (`appSecret`, `retry.maxAttempts`, ...). */
  readonly field: string;
  readonly reason: string;
}
/** The response could not be understood. */
export declare class DecodeError extends WxkfError {
  readonly kind: "decode";
  readonly reason: string;
}
/** An HTTP status other than 200. */
export declare class HttpStatusError extends WxkfError {
  readonly kind: "http";
  readonly status: number;
}
/** A failure below HTTP. */
export declare class TransportError extends WxkfError {
  readonly kind: "transport";
  readonly transportKind: TransportKind;
}
/** A refused push. */
export declare class CallbackError extends WxkfError {
  readonly kind: "callback";
  readonly callbackKind: CallbackKind;
  readonly reason: string;
}

/** Whether `value` is a WxkfError (optionally with the given `code`). */
export declare function isWxkfError(value: unknown, code?: string): value is WxkfError;
