// Customer notifications: the types, the variables each offers, the default wording in every
// store language, the channels on by default, and rendering. Pure: D1 keeps a shop's edits
// (d1/notification-templates.ts), the merchant surface edits and previews them, the
// notifications queue renders what it sends.
//
// Template syntax (a Mustache subset, so merchants may know it):
//   {{name}}                a variable (escaped for HTML in an email's HTML part)
//   {{#name}}…{{/name}}     kept only when the variable has a value (not empty, not 0)
//   {{^name}}…{{/name}}     kept only when it has none
// Templates are plain text: an email body's blank lines become paragraphs in its HTML part.
import { z } from "zod";
import type { PointsCurrency } from "./program";
import { pickLanguage, STORE_LANGUAGES, type StoreLanguage } from "./store-settings";

export const NOTIFICATION_TYPES = ["points_earned", "reward_issued", "tier_changed", "referral_completed", "points_expiring", "badge_earned"] as const;
export type NotificationType = (typeof NOTIFICATION_TYPES)[number];

export function isNotificationType(value: string): value is NotificationType {
  return (NOTIFICATION_TYPES as readonly string[]).includes(value);
}

/** email: SendGrid; sms: Twilio's sms_from, else Postscript; whatsapp: Twilio; klaviyo: an event the merchant's own flows send from. */
export const NOTIFICATION_CHANNELS = ["email", "sms", "whatsapp", "klaviyo"] as const;
export type NotificationChannel = (typeof NOTIFICATION_CHANNELS)[number];
/** The channels we write the message for (Klaviyo gets the event's data, not our text). */
export type TemplateChannel = Exclude<NotificationChannel, "klaviyo">;
export type ChannelSwitches = Record<NotificationChannel, boolean>;

/** A type the merchant never touched: email and the Klaviyo event on, texts off (they cost per message and need consent). */
export const DEFAULT_CHANNELS: ChannelSwitches = { email: true, sms: false, whatsapp: false, klaviyo: true };

/** What the pipeline passes to render one notification. Numbers are raw; rendering formats them for the language. */
export interface NotificationVars {
  shop_name: string;
  points_balance: number;
  first_name?: string | null;
  /** The points this event is about: earned, spent on the reward, given for the referral or the badge. */
  points?: number | null;
  reward_title?: string | null;
  discount_code?: string | null;
  tier_name?: string | null;
  previous_tier_name?: string | null;
  expiring_points?: number | null;
  /** An ISO 8601 date or date-time (the points' or the code's expiry), shown as a date in UTC. */
  expires_at?: string | null;
  referral_friend_name?: string | null;
  badge_name?: string | null;
  /** Where the customer sees their points (a link in emails). */
  widget_url?: string | null;
}

/** Derived at render time from the program's currency names, agreeing with a number. */
type DerivedVariable = "points_name" | "points_balance_name";
export type NotificationVariable = keyof NotificationVars | DerivedVariable;

export const VARIABLE_DESCRIPTIONS: Record<NotificationVariable, string> = {
  shop_name: "The store's name",
  first_name: "The customer's first name (may be empty: wrap it in {{#first_name}}…{{/first_name}})",
  points_balance: "The customer's points balance after this event",
  points_balance_name: "The points' name agreeing with points_balance (1 point, 2 points)",
  points: "The points this event is about",
  points_name: "The points' name agreeing with this event's number (points, expiring_points or, for tier changes, points_balance)",
  reward_title: "The reward's title",
  discount_code: "The reward's discount code",
  tier_name: "The customer's tier now",
  previous_tier_name: "The tier they had before (may be empty)",
  expiring_points: "The points about to expire",
  expires_at: "When the points or the code expire, as a date in the customer's language",
  referral_friend_name: "The referred friend's first name (may be empty)",
  badge_name: "The badge's name",
  widget_url: "Where the customer sees their points (a link in emails)",
};

const COMMON: NotificationVariable[] = ["shop_name", "first_name", "points_balance", "points_balance_name", "points_name", "widget_url"];

/** The variables each type offers; a template using any other is refused when saved. */
export const TYPE_VARIABLES: Record<NotificationType, readonly NotificationVariable[]> = {
  points_earned: [...COMMON, "points"],
  reward_issued: [...COMMON, "points", "reward_title", "discount_code", "expires_at"],
  tier_changed: [...COMMON, "tier_name", "previous_tier_name"],
  referral_completed: [...COMMON, "points", "referral_friend_name"],
  points_expiring: [...COMMON, "expiring_points", "expires_at"],
  badge_earned: [...COMMON, "points", "badge_name"],
};

/** Which number `points_name` agrees with, per type. */
const HEADLINE_COUNT: Record<NotificationType, "points" | "expiring_points" | "points_balance"> = {
  points_earned: "points",
  reward_issued: "points",
  tier_changed: "points_balance",
  referral_completed: "points",
  points_expiring: "expiring_points",
  badge_earned: "points",
};

/** One language's wording of a type: the email's subject and body, and the SMS/WhatsApp text. */
export interface TemplateSet {
  subject: string;
  body: string;
  sms: string;
}
export const TEMPLATE_FIELDS = ["subject", "body", "sms"] as const;
export type TemplateField = (typeof TEMPLATE_FIELDS)[number];

export const TEMPLATE_LIMITS: Record<TemplateField, number> = { subject: 200, body: 10_000, sms: 640 };

const HI: Record<StoreLanguage, string> = {
  en: "Hi{{#first_name}} {{first_name}}{{/first_name}},",
  es: "Hola{{#first_name}} {{first_name}}{{/first_name}}:",
  fr: "Bonjour{{#first_name}} {{first_name}}{{/first_name}},",
  de: "Hallo{{#first_name}} {{first_name}}{{/first_name}},",
};
const BALANCE = "{{points_balance}} {{points_balance_name}}";

export const DEFAULT_TEMPLATES: Record<NotificationType, Record<StoreLanguage, TemplateSet>> = {
  points_earned: {
    en: {
      subject: "You earned {{points}} {{points_name}} at {{shop_name}}",
      body: `${HI.en}\n\nYou just earned {{points}} {{points_name}} at {{shop_name}}. Your balance is now ${BALANCE}.\n\n{{#widget_url}}See what you can redeem: {{widget_url}}\n\n{{/widget_url}}Thanks for shopping with us!\n{{shop_name}}`,
      sms: `{{shop_name}}: you earned {{points}} {{points_name}}! Balance: ${BALANCE}.`,
    },
    es: {
      subject: "Has ganado {{points}} {{points_name}} en {{shop_name}}",
      body: `${HI.es}\n\nAcabas de ganar {{points}} {{points_name}} en {{shop_name}}. Ahora tienes ${BALANCE}.\n\n{{#widget_url}}Descubre qué puedes canjear: {{widget_url}}\n\n{{/widget_url}}¡Gracias por tu compra!\n{{shop_name}}`,
      sms: `{{shop_name}}: ¡has ganado {{points}} {{points_name}}! Saldo: ${BALANCE}.`,
    },
    fr: {
      subject: "Vous avez gagné {{points}} {{points_name}} chez {{shop_name}}",
      body: `${HI.fr}\n\nVous venez de gagner {{points}} {{points_name}} chez {{shop_name}}. Votre solde est maintenant de ${BALANCE}.\n\n{{#widget_url}}Découvrez ce que vous pouvez échanger : {{widget_url}}\n\n{{/widget_url}}Merci pour votre achat !\n{{shop_name}}`,
      sms: `{{shop_name}} : vous avez gagné {{points}} {{points_name}} ! Solde : ${BALANCE}.`,
    },
    de: {
      subject: "Sie haben {{points}} {{points_name}} bei {{shop_name}} gesammelt",
      body: `${HI.de}\n\nSie haben gerade {{points}} {{points_name}} bei {{shop_name}} gesammelt. Ihr Kontostand: ${BALANCE}.\n\n{{#widget_url}}Sehen Sie, was Sie einlösen können: {{widget_url}}\n\n{{/widget_url}}Vielen Dank für Ihren Einkauf!\n{{shop_name}}`,
      sms: `{{shop_name}}: Sie haben {{points}} {{points_name}} gesammelt! Kontostand: ${BALANCE}.`,
    },
  },
  reward_issued: {
    en: {
      subject: "Your reward from {{shop_name}}: {{reward_title}}",
      body: `${HI.en}\n\nYour reward is ready: {{reward_title}}.{{#discount_code}}\n\nYour code: {{discount_code}}{{#expires_at}} (use it by {{expires_at}}){{/expires_at}}{{/discount_code}}\n\nYou have ${BALANCE} left.\n\nEnjoy!\n{{shop_name}}`,
      sms: "{{shop_name}}: your reward {{reward_title}} is ready.{{#discount_code}} Code: {{discount_code}}{{/discount_code}}",
    },
    es: {
      subject: "Tu recompensa de {{shop_name}}: {{reward_title}}",
      body: `${HI.es}\n\nTu recompensa está lista: {{reward_title}}.{{#discount_code}}\n\nTu código: {{discount_code}}{{#expires_at}} (válido hasta el {{expires_at}}){{/expires_at}}{{/discount_code}}\n\nTe quedan ${BALANCE}.\n\n¡Que lo disfrutes!\n{{shop_name}}`,
      sms: "{{shop_name}}: tu recompensa {{reward_title}} está lista.{{#discount_code}} Código: {{discount_code}}{{/discount_code}}",
    },
    fr: {
      subject: "Votre récompense chez {{shop_name}} : {{reward_title}}",
      body: `${HI.fr}\n\nVotre récompense est prête : {{reward_title}}.{{#discount_code}}\n\nVotre code : {{discount_code}}{{#expires_at}} (à utiliser avant le {{expires_at}}){{/expires_at}}{{/discount_code}}\n\nIl vous reste ${BALANCE}.\n\nBon shopping !\n{{shop_name}}`,
      sms: "{{shop_name}} : votre récompense {{reward_title}} est prête.{{#discount_code}} Code : {{discount_code}}{{/discount_code}}",
    },
    de: {
      subject: "Ihre Prämie von {{shop_name}}: {{reward_title}}",
      body: `${HI.de}\n\nIhre Prämie ist bereit: {{reward_title}}.{{#discount_code}}\n\nIhr Code: {{discount_code}}{{#expires_at}} (gültig bis {{expires_at}}){{/expires_at}}{{/discount_code}}\n\nSie haben noch ${BALANCE}.\n\nViel Freude!\n{{shop_name}}`,
      sms: "{{shop_name}}: Ihre Prämie {{reward_title}} ist bereit.{{#discount_code}} Code: {{discount_code}}{{/discount_code}}",
    },
  },
  tier_changed: {
    en: {
      subject: "You're now {{tier_name}} at {{shop_name}}",
      body: `${HI.en}\n\nYour tier at {{shop_name}} is now {{tier_name}}{{#previous_tier_name}} (it was {{previous_tier_name}}){{/previous_tier_name}}.\n\nYou have ${BALANCE}.{{#widget_url}}\n\nSee your perks: {{widget_url}}{{/widget_url}}\n\n{{shop_name}}`,
      sms: `{{shop_name}}: your tier is now {{tier_name}}. You have ${BALANCE}.`,
    },
    es: {
      subject: "Ahora eres {{tier_name}} en {{shop_name}}",
      body: `${HI.es}\n\nTu nivel en {{shop_name}} ahora es {{tier_name}}{{#previous_tier_name}} (antes: {{previous_tier_name}}){{/previous_tier_name}}.\n\nTienes ${BALANCE}.{{#widget_url}}\n\nConsulta tus ventajas: {{widget_url}}{{/widget_url}}\n\n{{shop_name}}`,
      sms: `{{shop_name}}: tu nivel ahora es {{tier_name}}. Tienes ${BALANCE}.`,
    },
    fr: {
      subject: "Votre niveau chez {{shop_name}} : {{tier_name}}",
      body: `${HI.fr}\n\nVotre niveau chez {{shop_name}} est désormais {{tier_name}}{{#previous_tier_name}} (auparavant : {{previous_tier_name}}){{/previous_tier_name}}.\n\nVous avez ${BALANCE}.{{#widget_url}}\n\nDécouvrez vos avantages : {{widget_url}}{{/widget_url}}\n\n{{shop_name}}`,
      sms: `{{shop_name}} : votre niveau est désormais {{tier_name}}. Solde : ${BALANCE}.`,
    },
    de: {
      subject: "Ihre neue Stufe bei {{shop_name}}: {{tier_name}}",
      body: `${HI.de}\n\nIhre Stufe bei {{shop_name}} ist jetzt {{tier_name}}{{#previous_tier_name}} (vorher: {{previous_tier_name}}){{/previous_tier_name}}.\n\nSie haben ${BALANCE}.{{#widget_url}}\n\nIhre Vorteile ansehen: {{widget_url}}{{/widget_url}}\n\n{{shop_name}}`,
      sms: `{{shop_name}}: Ihre Stufe ist jetzt {{tier_name}}. Kontostand: ${BALANCE}.`,
    },
  },
  referral_completed: {
    en: {
      subject: "Your referral earned you {{points}} {{points_name}}",
      body: `${HI.en}\n\nYour referral{{#referral_friend_name}} of {{referral_friend_name}}{{/referral_friend_name}} is complete: you earned {{points}} {{points_name}} at {{shop_name}}. Your balance is now ${BALANCE}.\n\nThanks for spreading the word!\n{{shop_name}}`,
      sms: `{{shop_name}}: your referral earned you {{points}} {{points_name}}! Balance: ${BALANCE}.`,
    },
    es: {
      subject: "Tu recomendación te ha dado {{points}} {{points_name}}",
      body: `${HI.es}\n\nTu recomendación{{#referral_friend_name}} a {{referral_friend_name}}{{/referral_friend_name}} se ha completado: has ganado {{points}} {{points_name}} en {{shop_name}}. Ahora tienes ${BALANCE}.\n\n¡Gracias por recomendarnos!\n{{shop_name}}`,
      sms: `{{shop_name}}: ¡tu recomendación te ha dado {{points}} {{points_name}}! Saldo: ${BALANCE}.`,
    },
    fr: {
      subject: "Votre parrainage vous rapporte {{points}} {{points_name}}",
      body: `${HI.fr}\n\nVotre parrainage{{#referral_friend_name}} de {{referral_friend_name}}{{/referral_friend_name}} est validé : vous gagnez {{points}} {{points_name}} chez {{shop_name}}. Votre solde est maintenant de ${BALANCE}.\n\nMerci de nous recommander !\n{{shop_name}}`,
      sms: `{{shop_name}} : votre parrainage vous rapporte {{points}} {{points_name}} ! Solde : ${BALANCE}.`,
    },
    de: {
      subject: "Ihre Empfehlung bringt Ihnen {{points}} {{points_name}}",
      body: `${HI.de}\n\nIhre Empfehlung{{#referral_friend_name}} von {{referral_friend_name}}{{/referral_friend_name}} war erfolgreich: Sie erhalten {{points}} {{points_name}} bei {{shop_name}}. Ihr Kontostand: ${BALANCE}.\n\nDanke, dass Sie uns weiterempfehlen!\n{{shop_name}}`,
      sms: `{{shop_name}}: Ihre Empfehlung bringt Ihnen {{points}} {{points_name}}! Kontostand: ${BALANCE}.`,
    },
  },
  // Worded so a single expiring point reads as well as many (no verb agrees with the number).
  points_expiring: {
    en: {
      subject: "Reminder: {{expiring_points}} {{points_name}} expiring on {{expires_at}}",
      body: `${HI.en}\n\n{{expiring_points}} {{points_name}} in your {{shop_name}} account will expire on {{expires_at}}. You have ${BALANCE} in total.\n\n{{#widget_url}}Redeem before then: {{widget_url}}\n\n{{/widget_url}}{{shop_name}}`,
      sms: "{{shop_name}}: {{expiring_points}} {{points_name}} will expire on {{expires_at}}. Redeem before then!",
    },
    es: {
      subject: "Aviso: caducidad de {{expiring_points}} {{points_name}} el {{expires_at}}",
      body: `${HI.es}\n\nFecha de caducidad de {{expiring_points}} {{points_name}} de tu cuenta en {{shop_name}}: {{expires_at}}. En total tienes ${BALANCE}.\n\n{{#widget_url}}Canjea antes de esa fecha: {{widget_url}}\n\n{{/widget_url}}{{shop_name}}`,
      sms: "{{shop_name}}: caducidad de {{expiring_points}} {{points_name}} el {{expires_at}}. ¡Canjea antes!",
    },
    fr: {
      subject: "Rappel : échéance de {{expiring_points}} {{points_name}} le {{expires_at}}",
      body: `${HI.fr}\n\nDate d'expiration de {{expiring_points}} {{points_name}} de votre compte {{shop_name}} : {{expires_at}}. Votre solde total : ${BALANCE}.\n\n{{#widget_url}}Profitez-en avant cette date : {{widget_url}}\n\n{{/widget_url}}{{shop_name}}`,
      sms: "{{shop_name}} : échéance de {{expiring_points}} {{points_name}} le {{expires_at}}. Profitez-en avant !",
    },
    de: {
      subject: "Erinnerung: Ablaufdatum für {{expiring_points}} {{points_name}}: {{expires_at}}",
      body: `${HI.de}\n\nAblaufdatum für {{expiring_points}} {{points_name}} in Ihrem Konto bei {{shop_name}}: {{expires_at}}. Insgesamt haben Sie ${BALANCE}.\n\n{{#widget_url}}Jetzt einlösen: {{widget_url}}\n\n{{/widget_url}}{{shop_name}}`,
      sms: "{{shop_name}}: Ablaufdatum für {{expiring_points}} {{points_name}}: {{expires_at}}. Jetzt einlösen!",
    },
  },
  badge_earned: {
    en: {
      subject: "You earned the {{badge_name}} badge at {{shop_name}}",
      body: `${HI.en}\n\nYou've earned a new badge at {{shop_name}}: {{badge_name}}.{{#points}} It came with {{points}} {{points_name}}.{{/points}}\n\nYou have ${BALANCE}.{{#widget_url}}\n\nSee your badges: {{widget_url}}{{/widget_url}}\n\n{{shop_name}}`,
      sms: "{{shop_name}}: you earned the {{badge_name}} badge!{{#points}} +{{points}} {{points_name}}{{/points}}",
    },
    es: {
      subject: "Has conseguido la insignia {{badge_name}} en {{shop_name}}",
      body: `${HI.es}\n\nHas conseguido una nueva insignia en {{shop_name}}: {{badge_name}}.{{#points}} Incluye {{points}} {{points_name}}.{{/points}}\n\nTienes ${BALANCE}.{{#widget_url}}\n\nMira tus insignias: {{widget_url}}{{/widget_url}}\n\n{{shop_name}}`,
      sms: "{{shop_name}}: ¡has conseguido la insignia {{badge_name}}!{{#points}} +{{points}} {{points_name}}{{/points}}",
    },
    fr: {
      subject: "Nouveau badge chez {{shop_name}} : {{badge_name}}",
      body: `${HI.fr}\n\nVous avez obtenu un nouveau badge chez {{shop_name}} : {{badge_name}}.{{#points}} Il vous rapporte {{points}} {{points_name}}.{{/points}}\n\nVotre solde : ${BALANCE}.{{#widget_url}}\n\nVoir vos badges : {{widget_url}}{{/widget_url}}\n\n{{shop_name}}`,
      sms: "{{shop_name}} : nouveau badge obtenu, {{badge_name}} !{{#points}} +{{points}} {{points_name}}{{/points}}",
    },
    de: {
      subject: "Neues Abzeichen bei {{shop_name}}: {{badge_name}}",
      body: `${HI.de}\n\nSie haben bei {{shop_name}} ein neues Abzeichen erhalten: {{badge_name}}.{{#points}} Dazu gibt es {{points}} {{points_name}}.{{/points}}\n\nIhr Kontostand: ${BALANCE}.{{#widget_url}}\n\nIhre Abzeichen ansehen: {{widget_url}}{{/widget_url}}\n\n{{shop_name}}`,
      sms: "{{shop_name}}: Sie haben das Abzeichen {{badge_name}} erhalten!{{#points}} +{{points}} {{points_name}}{{/points}}",
    },
  },
};

// ---------------------------------------------------------------- parsing and checking

type Node = { kind: "text"; text: string } | { kind: "var"; name: string } | { kind: "section"; name: string; inverted: boolean; children: Node[] };

/** A template refused: `code` is the API's error code, `field` where (e.g. "templates.fr.subject"). */
export class TemplateError extends Error {
  constructor(
    readonly code: "template_syntax" | "unknown_variable" | "template_too_long" | "template_empty" | "template_invalid_characters" | "empty_change",
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
  }
}

const TAG = /\{\{(.*?)\}\}/gs;
const TAG_INSIDE = /^\s*([#^/]?)\s*([A-Za-z0-9_]+)\s*$/;

function parse(source: string, field: string): Node[] {
  const root: Node[] = [];
  const stack: { name: string; children: Node[] }[] = [{ name: "", children: root }];
  let at = 0;
  const pushText = (text: string) => {
    if (text.includes("{{") || text.includes("}}")) throw new TemplateError("template_syntax", field, "a {{ or }} without its pair");
    if (text) stack.at(-1)!.children.push({ kind: "text", text });
  };
  for (const match of source.matchAll(TAG)) {
    pushText(source.slice(at, match.index));
    at = match.index + match[0].length;
    const tag = TAG_INSIDE.exec(match[1]!);
    if (!tag) throw new TemplateError("template_syntax", field, `${match[0].slice(0, 60)} is not a variable: write {{name}} with a name from the list`);
    const [, sigil, name] = tag as unknown as [string, string, string];
    if (sigil === "/") {
      const open = stack.pop();
      if (!open || stack.length === 0 || open.name !== name) throw new TemplateError("template_syntax", field, `{{/${name}}} closes nothing that is open`);
    } else if (sigil === "#" || sigil === "^") {
      const section: Node = { kind: "section", name, inverted: sigil === "^", children: [] };
      stack.at(-1)!.children.push(section);
      stack.push({ name, children: section.children });
    } else {
      stack.at(-1)!.children.push({ kind: "var", name });
    }
  }
  pushText(source.slice(at));
  if (stack.length > 1) throw new TemplateError("template_syntax", field, `{{#${stack.at(-1)!.name}}} is never closed with {{/${stack.at(-1)!.name}}}`);
  return root;
}

function namesIn(nodes: Node[], into = new Set<string>()): Set<string> {
  for (const node of nodes) {
    if (node.kind === "var") into.add(node.name);
    if (node.kind === "section") {
      into.add(node.name);
      namesIn(node.children, into);
    }
  }
  return into;
}

// Control characters other than line breaks and tabs, and bidi overrides (which can make a
// code or a link read differently from what it is).
const BAD_CHARACTERS = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f\u202a-\u202e\u2066-\u2069]/;

/**
 * Checks one template text a merchant saves or previews for `type`; throws TemplateError naming
 * the problem (every unknown variable at once). Returns it with line breaks normalised.
 */
export function checkTemplate(type: NotificationType, field: TemplateField, text: string, where: string = field): string {
  const normalised = text.replace(/\r\n?/g, "\n");
  if (normalised.trim() === "") throw new TemplateError("template_empty", where, "must not be empty (send null to use the default)");
  if (normalised.length > TEMPLATE_LIMITS[field]) {
    throw new TemplateError("template_too_long", where, `at most ${TEMPLATE_LIMITS[field]} characters (this one has ${normalised.length})`);
  }
  if (BAD_CHARACTERS.test(normalised) || (field === "subject" && normalised.includes("\n"))) {
    throw new TemplateError("template_invalid_characters", where, field === "subject" ? "a subject is one line without control characters" : "must not contain control characters");
  }
  const offered = new Set<string>(TYPE_VARIABLES[type]);
  const unknown = [...namesIn(parse(normalised, where))].filter((name) => !offered.has(name));
  if (unknown.length > 0) {
    throw new TemplateError(
      "unknown_variable",
      where,
      `${type} offers no ${unknown.map((n) => `{{${n}}}`).join(", ")}; it offers ${TYPE_VARIABLES[type].join(", ")}`,
    );
  }
  return normalised;
}

// ---------------------------------------------------------------- rendering

export interface RenderedEmail {
  subject: string;
  html: string;
  text: string;
}
export interface RenderedText {
  text: string;
}

export interface RenderInput<C extends TemplateChannel = TemplateChannel> {
  type: NotificationType;
  channel: C;
  language: StoreLanguage;
  vars: NotificationVars;
  /** The shop's wording (edits over defaults); absent: the defaults. */
  template?: TemplateSet;
  /** The program's names for its points; absent: "point"/"points" in the language. */
  currency?: PointsCurrency;
}

const FALLBACK_CURRENCY: Record<StoreLanguage, { singular: string; plural: string }> = {
  en: { singular: "point", plural: "points" },
  es: { singular: "punto", plural: "puntos" },
  fr: { singular: "point", plural: "points" },
  de: { singular: "Punkt", plural: "Punkte" },
};

/** Renders one notification: `{ subject, html, text }` for email, `{ text }` for SMS and WhatsApp. */
export function renderNotification(input: RenderInput<"email">): RenderedEmail;
export function renderNotification(input: RenderInput<"sms" | "whatsapp">): RenderedText;
export function renderNotification(input: RenderInput): RenderedEmail | RenderedText;
export function renderNotification(input: RenderInput): RenderedEmail | RenderedText {
  const template = input.template ?? DEFAULT_TEMPLATES[input.type][input.language];
  const values = formattedValues(input);
  if (input.channel !== "email") return { text: tidy(renderText(parse(template.sms, "sms"), values)) };
  const subject = renderText(parse(template.subject, "subject"), values).replace(/\s+/g, " ").trim();
  const body = parse(template.body, "body");
  return {
    subject,
    text: tidy(renderText(body, values)),
    html: htmlDocument(input.language, subject, renderHtml(body, values)),
  };
}

interface Value {
  text: string;
  present: boolean;
  url: boolean;
}

function formattedValues({ type, language, vars, currency }: RenderInput): Map<string, Value> {
  const numbers = new Intl.NumberFormat(language, { maximumFractionDigits: 0 });
  const plural = new Intl.PluralRules(language);
  // The program's rule (core/ways-to-earn.ts): its name in the language, else its English name.
  const names = currency ? (currency[language] ?? currency.en) : FALLBACK_CURRENCY[language];
  const nameFor = (count: number | null | undefined) => (plural.select(count ?? 0) === "one" ? names.singular : names.plural);
  const values = new Map<string, Value>();
  const put = (name: string, raw: string | number | null | undefined) => {
    if (raw === null || raw === undefined || raw === "") return values.set(name, { text: "", present: false, url: false });
    if (typeof raw === "number") return values.set(name, { text: numbers.format(raw), present: raw !== 0, url: false });
    const text = raw.replace(/[\u0000-\u001f\u007f\u202a-\u202e\u2066-\u2069]+/g, " ").trim();
    values.set(name, { text, present: text !== "", url: false });
  };
  for (const [name, raw] of Object.entries(vars) as [keyof NotificationVars, unknown][]) {
    if (name === "expires_at") put(name, formatDate(raw, language));
    else if (typeof raw === "string" || typeof raw === "number" || raw === null || raw === undefined) put(name, raw);
  }
  const url = values.get("widget_url");
  if (url?.present) url.url = /^https?:\/\/[^\s"'<>]+$/i.test(url.text);
  put("points_name", nameFor(vars[HEADLINE_COUNT[type]]));
  put("points_balance_name", nameFor(vars.points_balance));
  return values;
}

function formatDate(raw: unknown, language: StoreLanguage): string | null {
  if (typeof raw !== "string" || raw === "") return null;
  const date = new Date(/^\d{4}-\d{2}-\d{2}$/.test(raw) ? `${raw}T00:00:00Z` : raw);
  if (Number.isNaN(date.getTime())) return raw;
  return new Intl.DateTimeFormat(language, { dateStyle: "long", timeZone: "UTC" }).format(date);
}

function walk(nodes: Node[], values: Map<string, Value>, emit: (node: Exclude<Node, { kind: "section" }>, value?: Value) => void): void {
  for (const node of nodes) {
    if (node.kind === "section") {
      if ((values.get(node.name)?.present ?? false) !== node.inverted) walk(node.children, values, emit);
    } else emit(node, node.kind === "var" ? values.get(node.name) : undefined);
  }
}

function renderText(nodes: Node[], values: Map<string, Value>): string {
  let out = "";
  walk(nodes, values, (node, value) => (out += node.kind === "text" ? node.text : (value?.text ?? "")));
  return out;
}

function renderHtml(nodes: Node[], values: Map<string, Value>): string {
  let out = "";
  walk(nodes, values, (node, value) => {
    if (node.kind === "text") out += escapeHtml(node.text);
    else if (value?.url) out += `<a href="${escapeHtml(value.text)}">${escapeHtml(value.text)}</a>`;
    else out += escapeHtml(value?.text ?? "");
  });
  // Values carry no line breaks (they were flattened), so these are the template's own.
  return tidy(out)
    .split(/\n{2,}/)
    .map((paragraph) => `<p style="margin:0 0 16px">${paragraph.replace(/\n/g, "<br>")}</p>`)
    .join("\n");
}

/** Trailing spaces and runs of blank lines a skipped section can leave. */
function tidy(text: string): string {
  return text
    .replace(/[ \t]+\n/g, "\n")
    .replace(/\n{3,}/g, "\n\n")
    .trim();
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);
}

function htmlDocument(language: StoreLanguage, subject: string, content: string): string {
  return (
    `<!doctype html><html lang="${language}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">` +
    `<title>${escapeHtml(subject)}</title></head>` +
    `<body style="margin:0;padding:24px;background:#ffffff;color:#1f2328;font-family:-apple-system,'Segoe UI',Helvetica,Arial,sans-serif;font-size:16px;line-height:1.5">` +
    `<div style="max-width:560px;margin:0 auto">\n${content}\n</div></body></html>`
  );
}

// ---------------------------------------------------------------- a shop's setup

/** One type as a shop has it: its channels and its wording per language (edits over defaults). */
export interface NotificationTypeSetup {
  channels: ChannelSwitches;
  templates: Record<StoreLanguage, TemplateSet>;
}

/** What the notifications queue needs of a shop (d1/notification-templates.ts `notificationSetup`). */
export interface NotificationSetup {
  languages: StoreLanguage[];
  default_language: StoreLanguage;
  currency: PointsCurrency;
  types: Record<NotificationType, NotificationTypeSetup>;
}

/** A shop's stored edits of one type: channels switched, and per language the fields it rewrote. */
export interface NotificationTypeEdits {
  channels: Partial<ChannelSwitches>;
  templates: Partial<Record<StoreLanguage, Partial<TemplateSet>>>;
}

export const NO_EDITS: NotificationTypeEdits = { channels: {}, templates: {} };

/** The type as the shop has it: its edits over the defaults. */
export function typeSetup(type: NotificationType, edits: NotificationTypeEdits): NotificationTypeSetup {
  const templates = Object.fromEntries(
    STORE_LANGUAGES.map((language) => [language, { ...DEFAULT_TEMPLATES[type][language], ...edits.templates[language] }]),
  ) as Record<StoreLanguage, TemplateSet>;
  return { channels: { ...DEFAULT_CHANNELS, ...edits.channels }, templates };
}

/**
 * One notification to one customer as the shop has set it up: in their language when the shop
 * offers it, else the shop's default (pickLanguage); `language` says which was used.
 */
export function renderForCustomer(
  setup: NotificationSetup,
  input: { type: NotificationType; channel: TemplateChannel; customer_language: string | null | undefined; vars: NotificationVars },
): { language: StoreLanguage; rendered: RenderedEmail | RenderedText } {
  const language = pickLanguage(setup, input.customer_language);
  const template = setup.types[input.type].templates[language];
  return { language, rendered: renderNotification({ type: input.type, channel: input.channel, language, vars: input.vars, template, currency: setup.currency }) };
}

// ---------------------------------------------------------------- editing

const TemplateText = z.string().max(50_000);
/** A PUT's wording for one language: a field left out keeps its text, null puts the default back. */
export const TemplatePatchSchema = z
  .object({ subject: TemplateText.nullable().optional(), body: TemplateText.nullable().optional(), sms: TemplateText.nullable().optional() })
  .strict();
export type TemplatePatch = z.infer<typeof TemplatePatchSchema>;

/** PUT /v1/api/notifications/templates/:type. A language left out keeps its wording; null puts all of it back to the defaults. */
export const NotificationTypePatchSchema = z
  .object({
    channels: z.object({ email: z.boolean().optional(), sms: z.boolean().optional(), whatsapp: z.boolean().optional(), klaviyo: z.boolean().optional() }).strict().optional(),
    templates: z
      .object({ en: TemplatePatchSchema.nullable().optional(), es: TemplatePatchSchema.nullable().optional(), fr: TemplatePatchSchema.nullable().optional(), de: TemplatePatchSchema.nullable().optional() })
      .strict()
      .optional(),
  })
  .strict();
export type NotificationTypePatch = z.infer<typeof NotificationTypePatchSchema>;

/**
 * `current` with `patch` applied: every text checked (TemplateError names the first problem,
 * with its place, e.g. "templates.fr.subject"). A text equal to the default is stored as the
 * default, so later improvements to the defaults reach it. Throws `TemplateError("empty_change")`
 * for a patch that changes nothing.
 */
export function applyNotificationTypePatch(type: NotificationType, current: NotificationTypeEdits, patch: NotificationTypePatch): NotificationTypeEdits {
  if (Object.keys(patch.channels ?? {}).length === 0 && Object.keys(patch.templates ?? {}).length === 0) {
    throw new TemplateError("empty_change", "body", "send channels or templates to change");
  }
  const channels: Partial<ChannelSwitches> = { ...current.channels };
  for (const channel of NOTIFICATION_CHANNELS) {
    const on = patch.channels?.[channel];
    if (on !== undefined) channels[channel] = on;
  }
  const templates: NotificationTypeEdits["templates"] = { ...current.templates };
  for (const language of STORE_LANGUAGES) {
    const change = patch.templates?.[language];
    if (change === undefined) continue;
    const fields: Partial<TemplateSet> = change === null ? {} : { ...templates[language] };
    for (const field of TEMPLATE_FIELDS) {
      const text = change?.[field];
      if (text === undefined) continue;
      const checked = text === null ? null : checkTemplate(type, field, text, `templates.${language}.${field}`);
      if (checked === null || checked === DEFAULT_TEMPLATES[type][language][field]) delete fields[field];
      else fields[field] = checked;
    }
    if (Object.keys(fields).length === 0) delete templates[language];
    else templates[language] = fields;
  }
  return { channels, templates };
}

// ---------------------------------------------------------------- SMS length

// GSM 03.38: the basic set (one septet each) and its extension (two: escape + char).
const GSM_BASIC = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";
const GSM_EXTENDED = "^{}\\[~]|€\f";

/** How an SMS of `text` is sent: GSM-7 (160 per message, 153 per part) or UCS-2 (70, 67) and in how many parts. */
export function smsSegments(text: string): { encoding: "GSM-7" | "UCS-2"; units: number; segments: number } {
  let septets = 0;
  for (const char of text) {
    if (GSM_BASIC.includes(char)) septets += 1;
    else if (GSM_EXTENDED.includes(char)) septets += 2;
    else {
      const units = [...text].reduce((n, c) => n + (c.codePointAt(0)! > 0xffff ? 2 : 1), 0);
      return { encoding: "UCS-2", units, segments: units <= 70 ? 1 : Math.ceil(units / 67) };
    }
  }
  return { encoding: "GSM-7", units: septets, segments: septets <= 160 ? 1 : Math.ceil(septets / 153) };
}

// ---------------------------------------------------------------- samples

/** Values a preview fills in where the merchant gives none. */
export function sampleVars(shopName: string, shopDomain: string, now: Date = new Date()): NotificationVars {
  return {
    shop_name: shopName,
    points_balance: 1250,
    first_name: "Alex",
    points: 150,
    reward_title: "$10 off your next order",
    discount_code: "LOYAL-7QX2M",
    tier_name: "Gold",
    previous_tier_name: "Silver",
    expiring_points: 300,
    expires_at: new Date(now.getTime() + 14 * 86_400_000).toISOString().slice(0, 10),
    referral_friend_name: "Sam",
    badge_name: "First order",
    widget_url: `https://${shopDomain}/#loyalnest`,
  };
}
