/**
 * The IAM principal ARN Berth gives an access key: a user of the key's account named by the key
 * id (Berth has no IAM users of its own). Pull time update exclusions name callers by it.
 */
export function principalArnOf(accountId: string, accessKeyId: string): string {
  return `arn:aws:iam::${accountId}:user/${accessKeyId}`;
}
