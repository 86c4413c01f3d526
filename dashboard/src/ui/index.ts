// The dashboard's own components that look and behave like Polaris (whose web components load
// only from Shopify's CDN, out of reach offline). Styles: polaris.css.
export { Page, Layout, Section, Card, Stack, Text, type Action } from "./layout";
export { FormLayout, TextField, Select, Checkbox, Button, InlineError } from "./form";
export { Banner, LoadError, Badge, Spinner, SkeletonPage, EmptyState, ProgressBar, Modal } from "./feedback";
export { DataTable, Pagination, Tabs } from "./data";
