import { createHash } from 'node:crypto';
import { z } from 'zod';

/** SMART App Launch 2.2 "SMART Style" properties (scopes-and-launch-context, styling); others are allowed too. */
export const smartStyleSchema = z.record(z.string().regex(/^[a-z][a-z0-9_]*$/, 'must be a snake_case property name'), z.string());

export type SmartStyle = z.infer<typeof smartStyleSchema>;

/** Used when smart-config/ has no smart-style.json: the look of this service's own pages. */
export const BUILT_IN_STYLE: SmartStyle = {
  color_background: '#ffffff',
  color_error: '#a4161a',
  color_highlight: '#3a5bd9',
  color_modal_backdrop: 'rgba(29, 35, 48, 0.5)',
  color_success: '#2b8a3e',
  color_text: '#1d2330',
  dim_border_radius: '8px',
  dim_font_size: '16px',
  dim_spacing_size: '16px',
  font_family_body: 'system-ui, sans-serif',
  font_family_heading: 'system-ui, sans-serif',
};

/**
 * The style every launch without its own smart_style_url gets. The hosted URL
 * carries a hash of the document: SMART says the URL is the version key, so a
 * changed document gets a new URL. `server.json` `smartStyleUrl` points
 * launches at a style hosted elsewhere instead.
 */
export function smartStyleSetting(issuer: string, document: SmartStyle, externalUrl: string | undefined) {
  const version = createHash('sha256').update(JSON.stringify(document)).digest('base64url').slice(0, 16);
  return { document, version, url: externalUrl ?? `${issuer}/smart-style/${version}.json` };
}

export type SmartStyleSetting = ReturnType<typeof smartStyleSetting>;
