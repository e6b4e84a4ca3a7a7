//! `wxkf`: every customer-service operation, record export and the emulator from a shell.

mod args;
mod config;
mod demo;
mod demo_webhook;
mod error;
mod export;
mod output;

use clap::Parser;
use wxkf::api::message::send_typing::{SendTyping, TypingCommand};
use wxkf::message::{Article, MenuItem};
use wxkf::Message;
use wxkf::MessageContent;

use args::{ActionArg, Cli, Command, KfCommand, OnOff, RecordsCommand, SendKind, SessionCommand};
use error::CliError;

fn message_of(kind: &SendKind) -> Result<Message, CliError> {
    Ok(match kind {
        SendKind::Text { content } => Message::text(content),
        SendKind::Image { media_id } => Message::image(media_id),
        SendKind::Voice { media_id } => Message::voice(media_id),
        SendKind::Video { media_id, thumb_media_id, title, description } => {
            Message::video(media_id, thumb_media_id, title, description)
        }
        SendKind::Music { musicurl, hqmusicurl, thumb_media_id, title, description } => {
            Message::from(MessageContent::Music {
                title: title.clone(),
                description: description.clone(),
                musicurl: musicurl.clone(),
                hqmusicurl: hqmusicurl.clone(),
                thumb_media_id: thumb_media_id.clone(),
            })
        }
        SendKind::News { title, url, description, picurl } => Message::news(Article {
            title: title.clone(),
            description: description.clone(),
            url: url.clone(),
            picurl: picurl.clone(),
        }),
        SendKind::Mpnews { media_id } => Message::mpnews(media_id),
        SendKind::Mpnewsarticle { article_id } => Message::mpnewsarticle(article_id),
        SendKind::Menu { head, items, tail } => {
            let list = items
                .iter()
                .map(|item| {
                    let (id, content) = item
                        .split_once(':')
                        .ok_or_else(|| CliError::Usage(format!("--item {item:?}: expected ID:TEXT")))?;
                    Ok(MenuItem { id: id.to_string(), content: content.to_string() })
                })
                .collect::<Result<Vec<_>, CliError>>()?;
            Message::menu(head, list, tail)
        }
        SendKind::Card { card_id } => Message::wxcard(card_id),
        SendKind::Miniprogram { title, appid, pagepath, thumb_media_id } => {
            Message::from(MessageContent::MiniProgramPage {
                title: title.clone(),
                appid: appid.clone(),
                pagepath: pagepath.clone(),
                thumb_media_id: thumb_media_id.clone(),
            })
        }
    })
}

fn user_action(action: ActionArg) -> wxkf::budget::UserAction {
    use wxkf::budget::UserAction;
    match action {
        ActionArg::Message => UserAction::Message,
        ActionArg::MenuClick => UserAction::MenuClick,
        ActionArg::Follow => UserAction::Follow,
        ActionArg::Scan => UserAction::Scan,
        ActionArg::Payment => UserAction::Payment,
    }
}

/// `remaining: 5`, `until: 2026-12-02 10:00:00 (China time)`, `refusal: -`, for people.
pub(crate) fn budget_text(budget: &wxkf::budget::Budget) -> String {
    use wxkf::budget::BudgetRefusal;
    let remaining = budget.remaining.map_or_else(|| "no limit".to_string(), |n| n.to_string());
    let until = budget
        .until_ms
        .map_or_else(|| "-".to_string(), |ms| format!("{} (China time)", wxkf::records::format_china_time(ms / 1000)));
    let refusal = match budget.refusal {
        None => "-",
        Some(BudgetRefusal::OutOfWindow) => "out_of_window (no window open: WeChat would answer 45015)",
        Some(BudgetRefusal::Spent) => "budget_spent (the windows are spent: WeChat would answer 45047)",
    };
    format!("remaining: {remaining}\nuntil: {until}\nrefusal: {refusal}")
}

async fn run(cli: Cli) -> Result<(), CliError> {
    let json = cli.json;
    match &cli.command {
        Command::Emulator(args) => return demo::run_emulator(&args.args).await,
        Command::Demo => return demo::run().await,
        _ => {}
    }
    let client = config::client(&cli.conn).await?;
    match cli.command {
        Command::Kf(cmd) => match cmd {
            KfCommand::Add { kf_account, nickname } => {
                client.add_kf_account(&kf_account, &nickname).await?;
                output::done(json, &format!("added {kf_account}"));
            }
            KfCommand::Update { kf_account, nickname } => {
                client.update_kf_account(&kf_account, &nickname).await?;
                output::done(json, &format!("updated {kf_account}"));
            }
            KfCommand::Del { kf_account } => {
                client.del_kf_account(&kf_account).await?;
                output::done(json, &format!("deleted {kf_account}"));
            }
            KfCommand::List => {
                let list = client.get_kf_list().await?;
                output::table(json, &["kf_account", "kf_nick", "kf_id", "kf_wx", "invite_wx", "invite_status"], &list);
            }
            KfCommand::Online => {
                let list = client.get_kf_online_list().await?;
                output::table(json, &["kf_account", "status", "kf_id", "accepted_case"], &list);
            }
            KfCommand::Invite { kf_account, invite_wx } => {
                client.invite_worker(&kf_account, &invite_wx).await?;
                output::done(json, &format!("invited {invite_wx} to bind {kf_account}"));
            }
            KfCommand::Head { kf_account, image } => {
                let bytes = std::fs::read(&image).map_err(|e| CliError::Io(format!("{}: {e}", image.display())))?;
                client.upload_kf_head_img(&kf_account, bytes).await?;
                output::done(json, &format!("uploaded the avatar of {kf_account}"));
            }
        },
        Command::Send(args) => {
            let mut message = message_of(&args.kind)?;
            if let Some(kf) = &args.kf_account {
                message = message.from_kf(kf);
            }
            let kind = message.msgtype();
            client.send_message(&args.openid, message).await?;
            output::done(json, &format!("sent {kind} to {}", args.openid));
        }
        Command::Typing { state, openid, businessid } => {
            let command = match state {
                OnOff::On => TypingCommand::Typing,
                OnOff::Off => TypingCommand::CancelTyping,
            };
            client.execute(&SendTyping { touser: openid.clone(), command, businessid }).await?;
            output::done(json, &format!("{command:?} for {openid}"));
        }
        Command::Session(cmd) => match cmd {
            SessionCommand::Create { kf_account, openid } => {
                client.create_kf_session(&kf_account, &openid).await?;
                output::done(json, &format!("{kf_account} now serves {openid}"));
            }
            SessionCommand::Close { kf_account, openid } => {
                client.close_kf_session(&kf_account, &openid).await?;
                output::done(json, &format!("closed {kf_account} / {openid}"));
            }
            SessionCommand::Get { openid } => output::object(json, &client.get_kf_session(&openid).await?),
            SessionCommand::List { kf_account } => {
                let list = client.get_kf_session_list(&kf_account).await?;
                output::table(json, &["openid", "createtime"], &list);
            }
            SessionCommand::Wait => {
                let wait = client.get_wait_case_list().await?;
                if json {
                    output::object(true, &wait);
                } else {
                    println!("{} waiting", wait.count);
                    output::table(false, &["openid", "latest_time"], &wait.waitcaselist);
                }
            }
        },
        Command::Records(RecordsCommand::Export(args)) => {
            let n = export::export(&client, &args).await?;
            if args.out.is_some() {
                output::done(json, &format!("exported {n} records"));
            }
        }
        Command::Records(RecordsCommand::Page { start, end, msgid, number }) => {
            let (start, end) = (export::parse_when(&start)?, export::parse_when(&end)?);
            output::object(json, &client.get_msg_list(start, end, msgid, number).await?);
        }
        Command::Token { force_refresh } => {
            let token = match client.token_source() {
                wxkf::TokenSource::Classic { .. } if !force_refresh => client.get_access_token().await?,
                wxkf::TokenSource::Classic { .. } => {
                    return Err(CliError::Usage("--force-refresh needs the stable token mode".into()))
                }
                _ => client.get_stable_access_token(force_refresh).await?,
            };
            output::object(json, &token);
        }
        Command::Budget { openid, record } => {
            if let Some(action) = record {
                client.record_action(&openid, user_action(action)).await?;
            }
            let budget = client.budget(&openid).await?;
            if json {
                output::object(true, &budget);
            } else {
                println!("{}", budget_text(&budget));
            }
        }
        Command::Emulator(_) | Command::Demo => {}
    }
    Ok(())
}

fn init_logging(verbose: u8) {
    let default = match verbose {
        0 => "warn",
        1 => "info",
        _ => "debug",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_env("WXKF_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .try_init();
}

fn main() {
    let cli = Cli::parse();
    init_logging(cli.verbose);
    let json = cli.json;
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            std::process::exit(error::EXIT_IO);
        }
    };
    if let Err(e) = runtime.block_on(run(cli)) {
        if json {
            println!("{}", e.to_json());
        } else {
            eprintln!("{}", e.report());
        }
        std::process::exit(e.exit_code());
    }
}
