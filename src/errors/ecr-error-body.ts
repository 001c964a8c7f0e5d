/**
 * The body of the ECR error JSON, which the ECR door and the download endpoint answer: the bare
 * shape name as `__type`, the message, and the shape's modelled members (`details`, for example
 * `kmsError`), never a `code` member.
 */
export function ecrErrorBody(error: {
  name: string;
  message: string;
  details: Record<string, string | number | undefined>;
}): Record<string, unknown> {
  const body: Record<string, unknown> = { __type: error.name, message: error.message };
  for (const [key, value] of Object.entries(error.details)) {
    if (value !== undefined && key !== '__type' && key !== 'code' && key !== 'message')
      body[key] = value;
  }
  return body;
}
