/**
 * Environment for test runs only (jest `setupFiles`, and the global setup), to keep output a person has to read
 * free of notices nobody running these tests can act on.
 *
 * On Node.js below 22, @aws-sdk/core prints an 8-line NodeVersionSupportWarning once per module registry, so once
 * per test file (`emitWarningIfUnsupportedVersion` in @aws-sdk/core/dist-cjs/submodules/client/index.js, which
 * skips it when this variable is "true"). It is about AWS SDK releases after January 2027 and the Node.js that runs
 * the tests (20 on CI); the library's Lambda functions run Node.js 22 or later. Users of the CLI on Node.js 20
 * still see it, as they should.
 */
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
