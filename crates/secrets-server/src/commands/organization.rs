//! `secrets-server conglomerate create` and `secrets-server company create`

use secrets_core::CompanyId;

use crate::store::ConglomerateId;

use super::{open_existing_store, open_store, StorageArgs};

/// Arguments of `conglomerate create`.
#[derive(Debug, clap::Args)]
pub(super) struct ConglomerateCreateArgs {
    #[command(flatten)]
    storage: StorageArgs,
    /// Conglomerate ID: 1 to 63 characters of a-z, 0-9 and hyphens.
    id: ConglomerateId,
}

/// Arguments of `company create`.
#[derive(Debug, clap::Args)]
pub(super) struct CompanyCreateArgs {
    #[command(flatten)]
    storage: StorageArgs,
    /// Company ID: 1 to 63 characters of a-z, 0-9 and hyphens. It appears
    /// in API paths and in the section's URL.
    id: CompanyId,
    /// The conglomerate the company belongs to; its members manage the
    /// company's secrets.
    #[arg(long)]
    conglomerate: ConglomerateId,
}

/// Creates a conglomerate.
pub(super) fn create_conglomerate(args: ConglomerateCreateArgs) -> anyhow::Result<()> {
    let store = open_store(&args.storage)?;
    store.create_conglomerate(&args.id)?;
    tracing::info!(conglomerate = %args.id, "created a conglomerate");
    println!("Created conglomerate {}.", args.id);
    Ok(())
}

/// Creates a company in an existing conglomerate.
pub(super) fn create_company(args: CompanyCreateArgs) -> anyhow::Result<()> {
    let store = open_existing_store(&args.storage)?;
    store.create_company(&args.id, &args.conglomerate)?;
    tracing::info!(company = %args.id, conglomerate = %args.conglomerate, "created a company");
    println!(
        "Created company {} in conglomerate {}.",
        args.id, args.conglomerate
    );
    Ok(())
}
