/**
 * The built-in wake_filter deny list: clients that fetch pages without a person waiting for them.
 * Letting them wake a service would keep a homelab awake for robots — a crawler's visit, a chat
 * app unfurling a pasted link, an uptime monitor's ping every minute. Matched as case-insensitive
 * substrings of User-Agent, so "bingbot" also catches "Mozilla/5.0 (compatible; bingbot/2.0; …)".
 * Headless browsers are deliberately absent: people script their own services with them.
 */
export const BUILTIN_WAKE_DENY: readonly string[] = [
  // search engines
  'Googlebot', 'Google-InspectionTool', 'bingbot', 'BingPreview', 'DuckDuckBot', 'YandexBot', 'Baiduspider',
  'Applebot', 'Sogou', 'Exabot', 'SeznamBot', 'PetalBot', 'Qwantify', 'ia_archiver',
  // SEO and AI crawlers
  'AhrefsBot', 'SemrushBot', 'MJ12bot', 'DotBot', 'BLEXBot', 'Bytespider', 'Amazonbot', 'GPTBot', 'ChatGPT-User',
  'OAI-SearchBot', 'ClaudeBot', 'anthropic-ai', 'CCBot', 'PerplexityBot', 'meta-externalagent',
  // link previewers
  'facebookexternalhit', 'Facebot', 'Twitterbot', 'Slackbot', 'Slack-ImgProxy', 'Discordbot', 'TelegramBot',
  'WhatsApp', 'LinkedInBot', 'SkypeUriPreview', 'redditbot', 'Pinterestbot', 'Embedly', 'Iframely',
  'Mastodon/', 'Matrix-Media-Repo', 'Synapse (bot',
  // uptime monitors
  'UptimeRobot', 'Uptime-Kuma', 'Pingdom', 'StatusCake', 'Better Uptime', 'BetterStack', 'Site24x7',
  'HetrixTools', 'Freshping', 'NodePing', 'Gatus', 'updown.io', 'Checkly', 'Datadog', 'monitoring360bot',
  // generic words crawlers put in their names
  'crawler', 'spider',
];
