//! The reply budget: how many kf messages what a user did still allows, and until when.
//!
//! WeChat lets an account message a user only within windows the user's own actions open:
//! a message opens 5 within 48 hours, a menu click, a follow or a QR scan 3 within a minute, a
//! payment an unlimited 48-hour window (the official send doc's table; WeChat changed the counts
//! in 2016, 2021 and 2023, so the table is data, replaceable by the caller). Outside every
//! window WeChat answers 45015, with the budget spent 45047. This module is the pure part:
//! what a user's windows are, what a send spends, what an answer from WeChat closes.

use serde::{Deserialize, Serialize};

use crate::callback::PushKind;

/// What a user did that opens a window for kf messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub enum UserAction {
    /// The user sent a message.
    Message,
    /// The user clicked a custom menu.
    MenuClick,
    /// The user followed the account.
    Follow,
    /// The user scanned one of the account's QR codes.
    Scan,
    /// The user completed a payment (service accounts; WeChat Pay tells the app, not a push).
    Payment,
}

impl UserAction {
    /// The one-letter code of the stored form.
    fn code(self) -> char {
        match self {
            UserAction::Message => 'm',
            UserAction::MenuClick => 'c',
            UserAction::Follow => 'f',
            UserAction::Scan => 's',
            UserAction::Payment => 'p',
        }
    }

    fn from_code(code: &str) -> Option<UserAction> {
        Some(match code {
            "m" => UserAction::Message,
            "c" => UserAction::MenuClick,
            "f" => UserAction::Follow,
            "s" => UserAction::Scan,
            "p" => UserAction::Payment,
            _ => return None,
        })
    }

    /// The action a push stands for, if it opens a window (session events and unfollows do
    /// not; a follow through a QR code counts as a follow).
    pub fn of_push(kind: &PushKind) -> Option<UserAction> {
        match kind {
            _ if kind.is_user_message() => Some(UserAction::Message),
            PushKind::Subscribe { .. } => Some(UserAction::Follow),
            PushKind::Scan { .. } => Some(UserAction::Scan),
            PushKind::Click { .. } | PushKind::View { .. } => Some(UserAction::MenuClick),
            PushKind::Other { event: Some(event), .. } => {
                MENU_EVENTS.iter().any(|e| e.eq_ignore_ascii_case(event)).then_some(UserAction::MenuClick)
            }
            _ => None,
        }
    }
}

/// Menu events other than `CLICK` and `VIEW` that a tap on a custom menu sends.
const MENU_EVENTS: [&str; 7] = [
    "scancode_push",
    "scancode_waitmsg",
    "pic_sysphoto",
    "pic_photo_or_album",
    "pic_weixin",
    "location_select",
    "view_miniprogram",
];

/// One row of the budget table: an action allows `messages` kf messages (`None`: unlimited)
/// within `within_secs` of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct BudgetRule {
    /// The user's action.
    pub action: UserAction,
    /// Messages it allows; `None` for no limit.
    pub messages: Option<u32>,
    /// How long the window stays open, in seconds.
    pub within_secs: i64,
}

/// The table of the official send doc (2023).
pub fn default_budget_rules() -> Vec<BudgetRule> {
    const HOURS_48: i64 = 48 * 3600;
    let rule = |action, messages, within_secs| BudgetRule { action, messages, within_secs };
    vec![
        rule(UserAction::Message, Some(5), HOURS_48),
        rule(UserAction::MenuClick, Some(3), 60),
        rule(UserAction::Follow, Some(3), 60),
        rule(UserAction::Scan, Some(3), 60),
        rule(UserAction::Payment, None, HOURS_48),
    ]
}

/// A window one action opened: what it allows and what was spent of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Window {
    /// What opened it.
    pub action: UserAction,
    /// When it opened (unix milliseconds).
    pub opened_ms: i64,
    /// When it closes (unix milliseconds, exclusive).
    pub until_ms: i64,
    /// Messages it allows; `None` for no limit.
    pub allowed: Option<u32>,
    /// Messages sent in it.
    pub spent: u32,
}

impl Window {
    fn open_at(&self, now_ms: i64) -> bool {
        self.opened_ms <= now_ms && now_ms < self.until_ms
    }

    fn left(&self) -> Option<u32> {
        self.allowed.map(|a| a.saturating_sub(self.spent))
    }
}

/// Why a send would be refused before the network.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub enum BudgetRefusal {
    /// No window is open: WeChat would answer 45015.
    OutOfWindow,
    /// Every open window is spent: WeChat would answer 45047.
    Spent,
}

/// What a user's windows allow now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Budget {
    /// Messages left across the open windows; `None` when one of them has no limit.
    pub remaining: Option<u32>,
    /// Until when (unix milliseconds) the last open window with messages left stays open;
    /// `None` when no window has any.
    pub until_ms: Option<i64>,
    /// Why a send would be refused now, if it would.
    pub refusal: Option<BudgetRefusal>,
}

/// One user's windows: the value a budget store keeps per `openid`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct UserBudget {
    /// Open (and recently closed) windows, oldest first.
    pub windows: Vec<Window>,
}

impl UserBudget {
    /// The stored form: one `action,opened_ms,until_ms,allowed,spent` per window, `;`
    /// between (`allowed` empty for no limit). Hand-written rather than JSON: a store keeps
    /// one per user, and the npm package pays for every serde reader in its size budget.
    pub fn encode(&self) -> String {
        let mut out = String::new();
        for (i, w) in self.windows.iter().enumerate() {
            if i > 0 {
                out.push(';');
            }
            let allowed = w.allowed.map(|a| a.to_string()).unwrap_or_default();
            out.push_str(&format!("{},{},{},{allowed},{}", w.action.code(), w.opened_ms, w.until_ms, w.spent));
        }
        out
    }

    /// Reads [`encode`](Self::encode)'s form; `None` for anything else.
    pub fn decode(text: &str) -> Option<UserBudget> {
        let mut windows = Vec::new();
        for part in text.split(';').filter(|p| !p.is_empty()) {
            let mut f = part.split(',');
            let mut next = || f.next();
            let action = UserAction::from_code(next()?)?;
            let opened_ms = next()?.parse().ok()?;
            let until_ms = next()?.parse().ok()?;
            let allowed = match next()? {
                "" => None,
                n => Some(n.parse().ok()?),
            };
            let spent = next()?.parse().ok()?;
            windows.push(Window { action, opened_ms, until_ms, allowed, spent });
        }
        Some(UserBudget { windows })
    }

    /// Opens the window `action` allows by `rules` (a new action replaces the earlier window
    /// of the same kind; windows of different kinds coexist); closed windows are dropped.
    pub fn record(&mut self, rules: &[BudgetRule], action: UserAction, now_ms: i64) {
        self.windows.retain(|w| w.action != action && w.open_at(now_ms));
        if let Some(rule) = rules.iter().find(|r| r.action == action) {
            let until_ms = now_ms.saturating_add(rule.within_secs.saturating_mul(1000));
            self.windows.push(Window { action, opened_ms: now_ms, until_ms, allowed: rule.messages, spent: 0 });
        }
    }

    /// What the windows allow at `now_ms`.
    pub fn budget(&self, now_ms: i64) -> Budget {
        let open: Vec<&Window> = self.windows.iter().filter(|w| w.open_at(now_ms)).collect();
        let with_left: Vec<&&Window> = open.iter().filter(|w| w.left() != Some(0)).collect();
        let remaining = with_left.iter().try_fold(0u32, |sum, w| w.left().map(|l| sum.saturating_add(l)));
        let until_ms = with_left.iter().map(|w| w.until_ms).max();
        let refusal = match (open.is_empty(), with_left.is_empty()) {
            (true, _) => Some(BudgetRefusal::OutOfWindow),
            (false, true) => Some(BudgetRefusal::Spent),
            _ => None,
        };
        Budget { remaining, until_ms, refusal }
    }

    /// Counts one message against the most recently opened window with messages left, and
    /// returns that window (to [`refund`](Self::refund) if WeChat then refuses the message).
    pub fn spend(&mut self, now_ms: i64) -> Result<Window, BudgetRefusal> {
        if let Some(refusal) = self.budget(now_ms).refusal {
            return Err(refusal);
        }
        let window = self.windows.iter_mut().rev().find(|w| w.open_at(now_ms) && w.left() != Some(0));
        match window {
            Some(w) => {
                w.spent = w.spent.saturating_add(1);
                Ok(*w)
            }
            None => Err(BudgetRefusal::Spent),
        }
    }

    /// Gives back the message [`spend`](Self::spend) counted against `charged`, for a message
    /// that surely did not reach the user (WeChat refused it).
    pub fn refund(&mut self, charged: &Window) {
        let same = |w: &&mut Window| w.action == charged.action && w.opened_ms == charged.opened_ms;
        if let Some(w) = self.windows.iter_mut().find(same) {
            w.spent = w.spent.saturating_sub(1);
        }
    }

    /// What WeChat's answer to a send says of the windows: 45015 closes them all, 45047
    /// spends them all (WeChat knows better than the count kept here).
    pub fn learn(&mut self, errcode: i64, now_ms: i64) {
        match errcode {
            45015 => self.windows.clear(),
            45047 => {
                for w in self.windows.iter_mut().filter(|w| w.open_at(now_ms)) {
                    w.spent = w.allowed.unwrap_or(w.spent.max(1));
                    w.allowed = Some(w.spent);
                }
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const T: i64 = 1_795_449_600_000;
    const MIN: i64 = 60_000;

    fn after(action: UserAction) -> UserBudget {
        let mut b = UserBudget::default();
        b.record(&default_budget_rules(), action, T);
        b
    }

    #[test]
    fn a_message_allows_five_within_48_hours() {
        let mut b = after(UserAction::Message);
        for left in (0..5).rev() {
            assert!(b.spend(T + MIN).is_ok());
            assert_eq!(b.budget(T + MIN).remaining, Some(left));
        }
        assert_eq!(b.spend(T + MIN), Err(BudgetRefusal::Spent));
        let fresh = after(UserAction::Message);
        assert_eq!(fresh.budget(T + 48 * 60 * MIN - 1).remaining, Some(5));
        assert_eq!(fresh.budget(T + 48 * 60 * MIN).refusal, Some(BudgetRefusal::OutOfWindow));
        assert_eq!(fresh.budget(T).until_ms, Some(T + 48 * 60 * MIN));
    }

    #[test]
    fn a_click_allows_three_within_a_minute_and_a_payment_has_no_count() {
        let mut click = after(UserAction::MenuClick);
        assert!((0..3).all(|_| click.spend(T + 1_000).is_ok()));
        assert_eq!(click.spend(T + 1_000), Err(BudgetRefusal::Spent));
        assert_eq!(after(UserAction::Scan).budget(T + MIN).refusal, Some(BudgetRefusal::OutOfWindow));
        let mut paid = after(UserAction::Payment);
        assert!((0..50).all(|_| paid.spend(T + 1_000).is_ok()));
        assert_eq!(paid.budget(T).remaining, None);
        assert_eq!(UserBudget::default().budget(T).refusal, Some(BudgetRefusal::OutOfWindow));
    }

    #[test]
    fn windows_of_different_kinds_add_up_and_a_new_action_replaces_its_kind() {
        let rules = default_budget_rules();
        let mut b = after(UserAction::Message);
        b.record(&rules, UserAction::MenuClick, T + 1_000);
        assert_eq!(b.budget(T + 2_000).remaining, Some(8));
        let charged = b.spend(T + 2_000).unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!((charged.action, charged.spent), (UserAction::MenuClick, 1));
        b.refund(&charged);
        assert_eq!(b.budget(T + 2_000).remaining, Some(8), "a refused message is given back");
        b.spend(T + 2_000).unwrap_or_else(|e| panic!("{e:?}"));
        b.record(&rules, UserAction::Message, T + 3_000);
        assert_eq!(b.windows.iter().filter(|w| w.action == UserAction::Message).count(), 1);
        assert_eq!(b.budget(T + 3_000).remaining, Some(7));
    }

    #[test]
    fn wechat_answers_close_the_windows_and_the_table_is_data() {
        let mut b = after(UserAction::Message);
        b.learn(45047, T + 1);
        assert_eq!(b.budget(T + 1).refusal, Some(BudgetRefusal::Spent));
        b.learn(45015, T + 2);
        assert_eq!(b.budget(T + 2).refusal, Some(BudgetRefusal::OutOfWindow));
        let rules: Vec<BudgetRule> =
            serde_json::from_str(r#"[{"action":"message","messages":20,"within_secs":172800}]"#).unwrap_or_default();
        let mut custom = UserBudget::default();
        custom.record(&rules, UserAction::Message, T);
        assert_eq!(custom.budget(T).remaining, Some(20));
        custom.record(&rules, UserAction::Follow, T);
        assert_eq!(custom.windows.len(), 1, "an action the table does not list opens nothing");
    }

    #[test]
    fn the_stored_form_round_trips() {
        let rules = default_budget_rules();
        let mut b = after(UserAction::Message);
        b.record(&rules, UserAction::Payment, T + 1);
        b.spend(T + 2).unwrap_or_else(|e| panic!("{e:?}"));
        let text = b.encode();
        assert_eq!(UserBudget::decode(&text), Some(b), "{text}");
        assert_eq!(UserBudget::decode(""), Some(UserBudget::default()));
        assert_eq!(UserBudget::decode("x,1,2,,0"), None);
        assert_eq!(UserBudget::decode("{\"windows\":[]}"), None);
    }

    #[test]
    fn pushes_name_their_action() {
        let text = PushKind::Text { content: "hi".into(), msg_id: None, bizmsgmenuid: None };
        assert_eq!(UserAction::of_push(&text), Some(UserAction::Message));
        assert_eq!(UserAction::of_push(&PushKind::Click { event_key: "k".into() }), Some(UserAction::MenuClick));
        assert_eq!(UserAction::of_push(&PushKind::Unsubscribe), None);
        let pic = PushKind::Other { msg_type: "event".into(), event: Some("pic_weixin".into()), fields: vec![] };
        assert_eq!(UserAction::of_push(&pic), Some(UserAction::MenuClick));
    }
}
