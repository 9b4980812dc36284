//! The Partitions view (being written).

use super::ViewProps;
use yew::prelude::*;

#[function_component(PartitionsView)]
pub fn view(props: &ViewProps) -> Html {
    let _ = props;
    html! { <p class="muted">{ "Partitions: coming soon" }</p> }
}
