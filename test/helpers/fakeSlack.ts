// The fake Slack Web API lives in src/sandbox (the sandbox console runs on it too); tests import it from here.
export * from '../../src/sandbox/fakeSlackApi.js';
