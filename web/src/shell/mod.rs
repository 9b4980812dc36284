//! The app's own panels around the views: the player bar, the editor, the
//! fault menu, sharing, forks, help and keyboard shortcuts.

pub mod compare;
pub mod editor;
pub mod fault_menu;
pub mod help;
pub mod keys;
pub mod player_bar;
pub mod share;
pub mod summary;
