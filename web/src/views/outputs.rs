//! The Outputs and checkers view (being written).

use super::ViewProps;
use yew::prelude::*;

#[function_component(OutputsView)]
pub fn view(props: &ViewProps) -> Html {
    let _ = props;
    html! { <p class="muted">{ "Outputs and checkers: coming soon" }</p> }
}
