// Entry of widget.js, loaded by the theme app embed: one shadow-rooted element at the end of <body>.
import { render } from "preact";
import { readSettings } from "./settings";
import { createStore } from "./store";
import css from "./styles.css";
import { Widget } from "./widget";

const HOST_ID = "loyalnest-widget";
const script = document.currentScript;

function mount() {
  if (document.getElementById(HOST_ID)) return;
  const host = document.createElement("div");
  host.id = HOST_ID;
  document.body.appendChild(host);
  const root = host.attachShadow({ mode: "open" });
  const style = document.createElement("style");
  style.textContent = css;
  // Preact owns only this container: rendered straight into the root it would drop the <style>.
  const container = document.createElement("div");
  root.append(style, container);

  const store = createStore(readSettings(script));
  void store.loadConfig();
  render(<Widget store={store} />, container);
}

if (document.body) mount();
else document.addEventListener("DOMContentLoaded", mount);
