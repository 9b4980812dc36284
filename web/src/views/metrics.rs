//! The Metrics view (being written).

use super::ViewProps;
use yew::prelude::*;

#[function_component(MetricsView)]
pub fn view(props: &ViewProps) -> Html {
    let _ = props;
    html! { <p class="muted">{ "Metrics: coming soon" }</p> }
}
