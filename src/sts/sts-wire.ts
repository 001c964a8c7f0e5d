/** The STS query protocol's XML: the namespace of API version 2011-06-15. */
export const STS_NAMESPACE = 'https://sts.amazonaws.com/doc/2011-06-15/';
export const STS_VERSION = '2011-06-15';

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
};

/** Text content: only these three need escaping (no attribute value holds input). */
export function escapeXml(text: string): string {
  return text.replace(/[&<>]/g, (c) => ESCAPES[c]);
}

export interface CallerIdentity {
  account: string;
  arn: string;
  userId: string;
}

export function callerIdentityXml(identity: CallerIdentity, requestId: string): string {
  return (
    `<GetCallerIdentityResponse xmlns="${STS_NAMESPACE}">` +
    '<GetCallerIdentityResult>' +
    `<Arn>${escapeXml(identity.arn)}</Arn>` +
    `<UserId>${escapeXml(identity.userId)}</UserId>` +
    `<Account>${escapeXml(identity.account)}</Account>` +
    '</GetCallerIdentityResult>' +
    `<ResponseMetadata><RequestId>${escapeXml(requestId)}</RequestId></ResponseMetadata>` +
    '</GetCallerIdentityResponse>'
  );
}

/** STS's error document: `Sender` for a client's fault, `Receiver` for the service's. */
export function stsErrorXml(
  type: 'Sender' | 'Receiver',
  code: string,
  message: string,
  requestId: string,
): string {
  return (
    `<ErrorResponse xmlns="${STS_NAMESPACE}">` +
    `<Error><Type>${type}</Type><Code>${escapeXml(code)}</Code>` +
    `<Message>${escapeXml(message)}</Message></Error>` +
    `<RequestId>${escapeXml(requestId)}</RequestId>` +
    '</ErrorResponse>'
  );
}
