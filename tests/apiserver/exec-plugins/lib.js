// Shared by the stand-in credential plugins: the ExecCredential they print, in the apiVersion
// kubectl asked for. client-go passes KUBERNETES_EXEC_INFO (an ExecCredential with the stanza's
// apiVersion) and refuses an answer in another version (k8s.io/client-go/plugin/pkg/client/auth/exec).
'use strict';

/** The apiVersion kubectl asked for, else v1beta1. */
function requestedApiVersion() {
  try {
    const info = JSON.parse(process.env.KUBERNETES_EXEC_INFO || '{}');
    if (info.apiVersion === 'client.authentication.k8s.io/v1' || info.apiVersion === 'client.authentication.k8s.io/v1beta1') return info.apiVersion;
  } catch {
    // no or bad exec info: answer as the tool would by default
  }
  return 'client.authentication.k8s.io/v1beta1';
}

/** RFC 3339 in seconds, as Go's metav1.Time marshals. */
function rfc3339(d) {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function printCredential(token, expires) {
  const cred = { kind: 'ExecCredential', apiVersion: requestedApiVersion(), spec: {}, status: { expirationTimestamp: rfc3339(expires), token } };
  process.stdout.write(`${JSON.stringify(cred)}\n`);
}

function fail(message, code = 1) {
  process.stderr.write(`${message}\n`);
  process.exit(code);
}

module.exports = { printCredential, fail, rfc3339 };
