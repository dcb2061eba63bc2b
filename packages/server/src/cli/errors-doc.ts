import { ERRORS } from '@majlis/protocol';

/** docs/ERRORS.md, generated from the error catalog (`majlis errors doc > docs/ERRORS.md`). */
export function errorsDoc(): string {
  const cell = (text: string) => text.replace(/\|/g, '\\|');
  const rows = Object.entries(ERRORS).map(
    ([code, d]) => `| \`${code}\` | ${d.status} | ${cell(d.title)} | ${cell(d.detail.en)} | ${cell(d.detail.ar)} | ${cell(d.detail.fa)} |`,
  );
  return `# Error codes

Every error is RFC 9457 \`application/problem+json\`:
\`{"type": "urn:majlis:error:<code>", "title", "status", "detail", "code", "errors"?}\`.
Switch on \`code\` (stable, never reused); show \`detail\` to people: it follows \`Accept-Language\`
(\`en\`, \`ar\`, \`fa\`; English otherwise). \`errors\` lists \`{field, message}\` for 400s; a field of
the query string or path is prefixed (\`querystring.limit\`). \`{name}\` in a text is filled in.
The catalog lives in \`packages/protocol/src/errors.ts\`; this page is generated from it by
\`npx majlis errors doc > docs/ERRORS.md\`, and a test fails when they differ.

| code | status | title | detail (en) | detail (ar) | detail (fa) |
| --- | --- | --- | --- | --- | --- |
${rows.join('\n')}
`;
}
