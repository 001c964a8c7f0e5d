import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, Matches, Max, Min } from 'class-validator';
import { ACCOUNT_ID, NO_NUL } from './patterns';

/**
 * On every free-text string the admin API takes (ids have their own patterns): a NUL would
 * reach PostgreSQL, which refuses it with an error of its own.
 */
export function NoNul(): PropertyDecorator {
  return Matches(NO_NUL, { message: '$property must not contain the NUL character' });
}

/**
 * `?limit=`, and `?cursor=` in each route's own query (`@IsCursor` with its shape): keyset
 * pagination, stable while items come and go.
 */
export class PageQuery {
  @ApiPropertyOptional({ minimum: 1, maximum: 1000, default: 100 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(1000)
  limit?: number;
}

export class AccountIdParam {
  @ApiProperty({ example: '123456789012' })
  @Matches(ACCOUNT_ID, { message: 'accountId must be exactly 12 digits' })
  accountId!: string;
}

/** An RFC 9457 problem: every error of the admin API. */
export class Problem {
  @ApiProperty({ example: 'about:blank' })
  type!: string;

  @ApiProperty({ example: 'Not Found' })
  title!: string;

  @ApiProperty({ example: 404 })
  status!: number;

  @ApiProperty({ example: 'The account 123456789012 does not exist' })
  detail!: string;

  @ApiProperty({ example: '/admin/v1/accounts/123456789012' })
  instance!: string;

  @ApiProperty({ description: 'The x-amzn-RequestId of the response, to find its log line' })
  requestId!: string;
}
