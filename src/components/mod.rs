//! The components of the Secrets section, one per file.

mod activity_item;
mod activity_list;
mod description_editor;
mod import_panel;
mod key_field;
pub(crate) mod load_error;
mod secret_form;
mod secret_list;
mod secret_row;
mod secrets_section;
mod sign_out;
mod value_field;

pub use activity_item::ActivityItem;
pub use activity_list::ActivityList;
pub use description_editor::DescriptionEditor;
pub use import_panel::ImportPanel;
pub use key_field::KeyField;
pub use load_error::LoadError;
pub use secret_form::SecretForm;
pub use secret_list::SecretList;
pub use secret_row::SecretRow;
pub use secrets_section::SecretsSection;
pub use sign_out::SignOut;
pub use value_field::ValueField;
