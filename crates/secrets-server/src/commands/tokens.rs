//! `secrets-server token issue`, `token list` and `token revoke`

use super::{open_existing_store, MemberArgs, StorageArgs};

/// Arguments of `token revoke`.
#[derive(Debug, clap::Args)]
pub(super) struct TokenRevokeArgs {
    #[command(flatten)]
    storage: StorageArgs,
    /// ID of the token, as `token issue` and `token list` print it.
    id: i64,
}

/// Issues an API token and prints it alone on one line of stdout, so that
/// scripts can capture it. The token is shown only this once.
pub(super) fn issue(args: MemberArgs) -> anyhow::Result<()> {
    let store = open_existing_store(&args.storage)?;
    let conglomerate = args.conglomerate(&store)?;
    let member = store.find_member(&conglomerate, &args.name)?;
    let (id, token) = store.issue_api_token(&member)?;
    tracing::info!(conglomerate = %conglomerate, member_id = member.id, token_id = id, "issued an API token");
    eprintln!(
        "Issued API token {id} for member {:?} of conglomerate {conglomerate}. It is shown only now; revoke it with `secrets-server token revoke {id}`.",
        member.name
    );
    println!("{}", token.expose());
    Ok(())
}

/// Prints the IDs and dates of a member's API tokens, never the tokens.
pub(super) fn list(args: MemberArgs) -> anyhow::Result<()> {
    let store = open_existing_store(&args.storage)?;
    let conglomerate = args.conglomerate(&store)?;
    let member = store.find_member(&conglomerate, &args.name)?;
    let tokens = store.list_tokens(&member)?;
    if tokens.is_empty() {
        println!(
            "Member {:?} of conglomerate {conglomerate} has no API tokens.",
            member.name
        );
    }
    for token in tokens {
        match token.revoked_at {
            Some(revoked_at) => println!(
                "{}\tissued {}\trevoked {revoked_at}",
                token.id, token.created_at
            ),
            None => println!("{}\tissued {}\tactive", token.id, token.created_at),
        }
    }
    Ok(())
}

/// Revokes an API token, so that it stops working with the next request.
pub(super) fn revoke(args: TokenRevokeArgs) -> anyhow::Result<()> {
    let store = open_existing_store(&args.storage)?;
    let revoked = store.revoke_token(args.id)?;
    tracing::info!(
        token_id = args.id,
        member_id = revoked.member.id,
        "revoked an API token"
    );
    let member = &revoked.member;
    if revoked.already_revoked {
        println!(
            "API token {} of member {:?} of conglomerate {} was already revoked.",
            args.id, member.name, member.conglomerate
        );
    } else {
        println!(
            "Revoked API token {} of member {:?} of conglomerate {}.",
            args.id, member.name, member.conglomerate
        );
    }
    Ok(())
}
