import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min } from 'class-validator';

export const ACCOUNT_ID = /^[0-9]{12}$/;

/** `?limit=&cursor=`: keyset pagination, stable while items come and go. */
export class PageQuery {
  @ApiPropertyOptional({ minimum: 1, maximum: 1000, default: 100 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(1000)
  limit?: number;

  @ApiPropertyOptional({ description: 'The nextCursor of the previous page' })
  @IsOptional()
  @IsString()
  @MaxLength(1024)
  cursor?: string;
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
