// Loaded by mocha before every test file: quiet logs (a test that checks them turns them back on) and no SDK
// warning about Node 20.
process.env["FILESHARE_LOG_LEVEL"] ??= "silent";
process.env["AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED"] ??= "true";
