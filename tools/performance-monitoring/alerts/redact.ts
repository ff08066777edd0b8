// Delivery errors go through the tool's one redactor (../redact.ts).
export { redactedReason, secretsOf } from '../base/redact.js';
