// Signed Slack requests for tests: the same module the sandbox console uses to reach Bolt as Slack would.
export {
  type BlockActionOptions,
  type BlockSuggestionOptions,
  type CommandOptions,
  createSlackRequestClient as createSlackTestClient,
  type SelectedOption,
  type SignOptions,
  type SlackRequestClient as SlackTestClient,
  type SlackRequestClientOptions as SlackTestClientOptions,
  type SlackRequestResponse as SlackTestResponse,
  type SlackSignatureHeaders,
  signSlackRequest,
  type ViewSubmissionOptions,
} from '../../src/sandbox/slackRequests.js';
