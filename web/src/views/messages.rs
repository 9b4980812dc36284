//! The Messages view (being written).

use super::ViewProps;
use yew::prelude::*;

#[function_component(MessagesView)]
pub fn view(props: &ViewProps) -> Html {
    let _ = props;
    html! { <p class="muted">{ "Messages: coming soon" }</p> }
}
