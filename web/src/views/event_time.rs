//! The Event time view (being written).

use super::ViewProps;
use yew::prelude::*;

#[function_component(EventTimeView)]
pub fn view(props: &ViewProps) -> Html {
    let _ = props;
    html! { <p class="muted">{ "Event time: coming soon" }</p> }
}
