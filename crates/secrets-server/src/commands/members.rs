//! `secrets-server member add` and `secrets-server member remove`

use super::{open_existing_store, MemberArgs};

/// Adds a member to a conglomerate.
pub(super) fn add(args: MemberArgs) -> anyhow::Result<()> {
    let store = open_existing_store(&args.storage)?;
    let conglomerate = args.conglomerate(&store)?;
    let member = store.add_member(&conglomerate, &args.name)?;
    tracing::info!(conglomerate = %conglomerate, member_id = member.id, "added a member");
    println!(
        "Added member {:?} to conglomerate {conglomerate}. Issue a token with `secrets-server token issue` or a login link with `secrets-server login-link`.",
        member.name
    );
    Ok(())
}

/// Removes a member from a conglomerate and deletes every credential of
/// the member, so that its sessions and tokens stop working at once.
pub(super) fn remove(args: MemberArgs) -> anyhow::Result<()> {
    let store = open_existing_store(&args.storage)?;
    let conglomerate = args.conglomerate(&store)?;
    let removed = store.remove_member(&conglomerate, &args.name)?;
    tracing::info!(
        conglomerate = %conglomerate,
        credentials_deleted = removed.credentials_deleted,
        "removed a member"
    );
    println!(
        "Removed member {:?} from conglomerate {conglomerate} and deleted {} of its tokens, login links and sessions.",
        args.name.as_str(),
        removed.credentials_deleted
    );
    Ok(())
}
