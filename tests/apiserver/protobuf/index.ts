/**
 * Kubernetes protobuf request bodies (engineer B). Stable exports:
 * PROTOBUF_CONTENT_TYPE, isProtobufContentType(ct), decodeEnvelope(buf), decodeKubernetesProtobuf(buf)
 * → the JSON-form object, encodeKubernetesProtobuf(obj), ProtobufDecodeError (→ answer 400/415).
 */
export * from './envelope';
export { MESSAGE_FOR_KIND } from './schema';
