//! The Cluster view (being written).

use super::ViewProps;
use yew::prelude::*;

#[function_component(ClusterView)]
pub fn view(props: &ViewProps) -> Html {
    let _ = props;
    html! { <p class="muted">{ "Cluster: coming soon" }</p> }
}
