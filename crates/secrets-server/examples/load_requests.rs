//! Prepares the requests of the load test in `scripts/load/run.sh`: seeds a
//! company's secrets, and writes files of create and delete requests that
//! `scripts/load/requests.lua` makes wrk send, each once.
//!
//! Every call goes through the REST API of a running server, as a client
//! would make it: values are sealed to each company's public key, fetched
//! from the server, and the member's API token comes from `SECRETS_TOKEN`.
//!
//! A request file has one request a line: the method, a tab, the path, a
//! tab and the JSON body, which is empty for a delete. JSON written by
//! serde_json escapes tabs and newlines, so a body never contains either.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::PathBuf;

use anyhow::{bail, ensure, Context};
use clap::{Parser, Subcommand};
use secrets_core::api::{paths, PublicKeyResponse, SecretList};
use secrets_core::sealed::SealingKey;
use secrets_core::{CompanyId, SecretKey, SecretValue};
use serde_json::json;
use zeroize::Zeroizing;

/// Environment variable with a member's API token, as the `secrets` client
/// reads it.
const TOKEN_ENV: &str = "SECRETS_TOKEN";

/// Prepares the requests of the load test through a running server's API.
#[derive(Debug, Parser)]
struct Cli {
    /// Base URL of the server, such as http://127.0.0.1:8080.
    #[arg(long)]
    server: String,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Create COUNT secrets in COMPANY, with keys SEED_1 to SEED_COUNT, a
    /// description and a sealed value of VALUE_BYTES bytes each.
    Seed {
        #[arg(long)]
        company: CompanyId,
        #[arg(long)]
        count: usize,
        /// Length of each value in bytes, before sealing.
        #[arg(long, default_value_t = 64)]
        value_bytes: usize,
    },
    /// Write create requests that fill each company up to its limit of
    /// secrets, with keys KEY_PREFIX_1, KEY_PREFIX_2 and so on, in
    /// round-robin order across the companies.
    CreateRequests {
        /// Start of every key; the rest is `_` and a number.
        #[arg(long)]
        key_prefix: String,
        /// Length of each value in bytes, before sealing.
        #[arg(long, default_value_t = 64)]
        value_bytes: usize,
        /// File to write the requests to.
        #[arg(long)]
        output: PathBuf,
        companies: Vec<CompanyId>,
    },
    /// Write a delete request for every secret of the companies, in
    /// round-robin order across them.
    DeleteRequests {
        /// File to write the requests to.
        #[arg(long)]
        output: PathBuf,
        companies: Vec<CompanyId>,
    },
}

/// The server's base URL and a client that sends the member's token.
struct Api {
    server: String,
    client: reqwest::Client,
    token: Zeroizing<String>,
}

impl Api {
    /// Fetches the company's public key, as a client does before it seals
    /// a value.
    async fn sealing_key(&self, company: &CompanyId) -> anyhow::Result<SealingKey> {
        let url = format!("{}{}", self.server, paths::public_key(company));
        let response = self.get(&url).await?;
        let body: PublicKeyResponse = response
            .json()
            .await
            .with_context(|| format!("the public key of {company} is not valid JSON"))?;
        SealingKey::from_base64(&body.key_id, &body.public_key)
            .with_context(|| format!("invalid public key of {company}"))
    }

    /// Lists the company's secrets.
    async fn list(&self, company: &CompanyId) -> anyhow::Result<SecretList> {
        let url = format!("{}{}", self.server, paths::secrets(company));
        let response = self.get(&url).await?;
        response
            .json()
            .await
            .with_context(|| format!("the list of {company}'s secrets is not valid JSON"))
    }

    /// Sends a GET with the token and fails unless the status is 200.
    async fn get(&self, url: &str) -> anyhow::Result<reqwest::Response> {
        let response = self
            .client
            .get(url)
            .bearer_auth(self.token.as_str())
            .send()
            .await
            .with_context(|| format!("GET {url} failed"))?;
        ensure!(
            response.status() == reqwest::StatusCode::OK,
            "GET {url} returned {}",
            response.status()
        );
        Ok(response)
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let token = std::env::var(TOKEN_ENV)
        .map(Zeroizing::new)
        .with_context(|| format!("{TOKEN_ENV} is missing; set it to an API token of a member"))?;
    let api = Api {
        server: cli.server.trim_end_matches('/').to_owned(),
        client: reqwest::Client::new(),
        token,
    };

    match cli.command {
        Command::Seed {
            company,
            count,
            value_bytes,
        } => seed(&api, &company, count, value_bytes).await,
        Command::CreateRequests {
            key_prefix,
            value_bytes,
            output,
            companies,
        } => {
            let lines = create_requests(&api, &companies, &key_prefix, value_bytes);
            write_lines(&output, lines.await?)
        }
        Command::DeleteRequests { output, companies } => {
            write_lines(&output, delete_requests(&api, &companies).await?)
        }
    }
}

/// Creates `count` secrets in `company`, one request at a time.
async fn seed(
    api: &Api,
    company: &CompanyId,
    count: usize,
    value_bytes: usize,
) -> anyhow::Result<()> {
    let sealing_key = api.sealing_key(company).await?;
    let url = format!("{}{}", api.server, paths::secrets(company));
    for number in 1..=count {
        let key = format!("SEED_{number}");
        let mut body = create_body(&sealing_key, &key, &value(&key, value_bytes)?);
        body["description"] = json!(format!("Seeded secret {number} of {count}"));
        let response = api
            .client
            .post(&url)
            .bearer_auth(api.token.as_str())
            .json(&body)
            .send()
            .await
            .with_context(|| format!("POST {url} failed"))?;
        let status = response.status();
        if status != reqwest::StatusCode::CREATED {
            let text = response.text().await.unwrap_or_default();
            bail!("creating {key} in {company} returned {status}: {text}");
        }
    }
    Ok(())
}

/// Returns the create request lines that fill each company up to its
/// limit, in round-robin order so that the companies fill up evenly.
async fn create_requests(
    api: &Api,
    companies: &[CompanyId],
    key_prefix: &str,
    value_bytes: usize,
) -> anyhow::Result<Vec<String>> {
    let mut targets = Vec::with_capacity(companies.len());
    for company in companies {
        let list = api.list(company).await?;
        let room = list.limit.saturating_sub(list.secrets.len());
        targets.push((company, api.sealing_key(company).await?, room));
    }

    let max_room = targets.iter().map(|(_, _, room)| *room).max().unwrap_or(0);
    let mut lines = Vec::new();
    for number in 1..=max_room {
        let key = format!("{key_prefix}_{number}");
        SecretKey::parse(&key).with_context(|| format!("{key} is not a valid key"))?;
        for (company, sealing_key, room) in &targets {
            if number > *room {
                continue;
            }
            let value = value(&format!("{company}/{key}"), value_bytes)?;
            let body = create_body(sealing_key, &key, &value);
            lines.push(format!("POST\t{}\t{body}", paths::secrets(company)));
        }
    }
    Ok(lines)
}

/// Returns a delete request line for every secret of the companies, in
/// round-robin order across them.
async fn delete_requests(api: &Api, companies: &[CompanyId]) -> anyhow::Result<Vec<String>> {
    let mut keys_by_company = Vec::with_capacity(companies.len());
    for company in companies {
        let list = api.list(company).await?;
        let keys: Vec<SecretKey> = list.secrets.into_iter().map(|secret| secret.key).collect();
        keys_by_company.push(keys);
    }

    let longest = keys_by_company.iter().map(Vec::len).max().unwrap_or(0);
    let mut lines = Vec::new();
    for index in 0..longest {
        for (company, keys) in companies.iter().zip(&keys_by_company) {
            if let Some(key) = keys.get(index) {
                lines.push(format!("DELETE\t{}\t", paths::secret(company, key)));
            }
        }
    }
    Ok(lines)
}

/// Returns a value of exactly `bytes` bytes that starts with `label`, so
/// that every secret gets a different value.
fn value(label: &str, bytes: usize) -> anyhow::Result<SecretValue> {
    ensure!(
        label.len() < bytes,
        "a value of {bytes} bytes cannot hold the label {label}"
    );
    let mut text = format!("{label}-");
    text.extend(std::iter::repeat_n('x', bytes - text.len()));
    SecretValue::new(Zeroizing::new(text)).with_context(|| format!("invalid value for {label}"))
}

/// Returns a create request body with `value` sealed with `sealing_key`.
fn create_body(sealing_key: &SealingKey, key: &str, value: &SecretValue) -> serde_json::Value {
    json!({
        "key": key,
        "sealed_value": sealing_key.seal(value).to_base64(),
        "key_id": sealing_key.key_id(),
    })
}

fn write_lines(output: &PathBuf, lines: Vec<String>) -> anyhow::Result<()> {
    let file =
        File::create(output).with_context(|| format!("failed to create {}", output.display()))?;
    let mut writer = BufWriter::new(file);
    for line in &lines {
        writeln!(writer, "{line}")?;
    }
    writer.flush()?;
    Ok(())
}
