// Entry of widget-surfaces.js: added by widget.js (surfaces/loader.ts) once the config turns on a
// surface this page shows. The product points go into the theme's blocks; the bar and the popups
// into a shadow root of their own, after the launcher's.
import { render } from "preact";
import { createSurfacesModel } from "./model";
import { mountProductPoints } from "./product-points";
import { Surfaces } from "./surfaces";
import css from "./surfaces.css" with { type: "text" };

const HOST_ID = "loyalnest-surfaces";

window.__loyalnest?.surfaces?.((store, context) => {
  if (document.getElementById(HOST_ID)) return;
  const model = createSurfacesModel(store, context);
  mountProductPoints(model);
  const host = document.createElement("div");
  host.id = HOST_ID;
  document.body.appendChild(host);
  const root = host.attachShadow({ mode: "open" });
  const style = document.createElement("style");
  style.textContent = css;
  const container = document.createElement("div");
  root.append(style, container);
  render(<Surfaces model={model} />, container);
});
