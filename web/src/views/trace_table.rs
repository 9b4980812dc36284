//! The Trace view (being written).

use super::ViewProps;
use yew::prelude::*;

#[function_component(TraceTableView)]
pub fn view(props: &ViewProps) -> Html {
    let _ = props;
    html! { <p class="muted">{ "Trace: coming soon" }</p> }
}
