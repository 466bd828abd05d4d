//! `rosetta`: the loaders and numerics of the browser app, on files, printing JSON.
//! The oracle harness for tests and the path for data larger than a browser tab.

mod commands;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "rosetta",
    version,
    about = "Latent space explorer: load, project and compare embedding files"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// List the spaces (and metadata) found in each file.
    Info {
        files: Vec<std::path::PathBuf>,
        /// Print a JSON list instead of a table.
        #[arg(long)]
        json: bool,
        /// CSV/TSV with a header: the id column (default: a column named `id`).
        #[arg(long)]
        id_column: Option<String>,
        /// CSV/TSV with a header: the columns that form the vector, comma-separated (default:
        /// every numeric column but the id).
        #[arg(long, value_delimiter = ',')]
        vector_columns: Option<Vec<String>>,
    },
    /// Exact PCA of the (first) space in a file.
    Pca {
        file: std::path::PathBuf,
        #[arg(long, default_value_t = 10)]
        components: usize,
        /// Print JSON (the only output format for now).
        #[arg(long)]
        json: bool,
    },
    /// A 2-D map (PCA or UMAP) of the (first) space in a file, with its trustworthiness@10 and
    /// kNN preservation@10: the page's coordinates for the same file, parameters and seed.
    Project(commands::project::ProjectArgs),
    /// Compare two spaces of the same items (CKA, neighbours, relative representations,
    /// Procrustes, stitching). See README for every output key.
    Compare(commands::compare::CompareArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Info {
            files,
            json,
            id_column,
            vector_columns,
        } => {
            let choice = rosetta_io::ColumnChoice {
                id_column,
                vector_columns,
            };
            commands::info(&files, json, &choice)
        }
        Command::Pca {
            file, components, ..
        } => commands::pca(&file, components),
        Command::Project(args) => commands::project::run(&args),
        Command::Compare(args) => commands::compare::run(&args),
    };
    match result {
        Ok(text) => {
            use std::io::Write;
            // A closed pipe (`rosetta … | head`) is not an error worth a panic.
            let mut out = std::io::stdout().lock();
            let _ = writeln!(out, "{text}");
            ExitCode::SUCCESS
        }
        Err(message) => {
            eprintln!("rosetta: {message}");
            ExitCode::from(2)
        }
    }
}
