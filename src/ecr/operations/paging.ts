import { InvalidParameterException } from '../../common/errors/registry-exception';

/**
 * A call that names its items (DescribeRepositories with `repositoryNames`, DescribeImages and
 * GetLifecyclePolicyPreview with `imageIds`) is not paged: as in ECR, whose model says neither
 * maxResults nor nextToken can be used when you specify the items by name, pagination applies
 * only when listing the whole set. maxResults is checked first.
 */
export function rejectPagingWith(
  input: { maxResults?: number; nextToken?: string },
  named: 'imageIds' | 'repositoryNames',
): void {
  if (input.maxResults !== undefined) {
    throw InvalidParameterException.constraint(
      'maxResults',
      `cannot be used together with ${named}`,
    );
  }
  if (input.nextToken !== undefined) {
    throw InvalidParameterException.constraint(
      'nextToken',
      `cannot be used together with ${named}`,
    );
  }
}
