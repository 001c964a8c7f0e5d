import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import { ACCESS_KEY_STATUSES, AccessKeyStatus } from '../../auth/entities/access-key.entity';
import { CURSOR_SHAPES, IsCursor } from '../cursor';
import { NoNul, PageQuery } from './common.dto';
import { ACCESS_KEY_ID, ACCOUNT_ID } from './patterns';

export class AccountPageQuery extends PageQuery {
  @IsCursor(CURSOR_SHAPES.accountId)
  cursor?: string;
}

export class AccessKeyPageQuery extends PageQuery {
  @IsCursor(CURSOR_SHAPES.accessKeyId)
  cursor?: string;
}

export class CreateAccountRequest {
  @ApiPropertyOptional({
    description: 'The 12-digit id (and registry id) of the account; generated when absent',
    example: '123456789012',
  })
  @IsOptional()
  @Matches(ACCOUNT_ID, { message: 'accountId must be exactly 12 digits' })
  accountId?: string;

  @ApiPropertyOptional({ maxLength: 128, example: 'team-a' })
  @IsOptional()
  @IsString()
  @MaxLength(128)
  @NoNul()
  name?: string;
}

export class Account {
  @ApiProperty({ example: '123456789012' })
  accountId!: string;

  @ApiProperty({ type: String, nullable: true, example: 'team-a' })
  name!: string | null;

  @ApiProperty({ type: String, format: 'date-time' })
  createdAt!: string;
}

export class AccountPage {
  @ApiProperty({ type: [Account] })
  items!: Account[];

  @ApiProperty({ type: String, nullable: true })
  nextCursor!: string | null;
}

export class CreateAccessKeyRequest {
  @ApiPropertyOptional({ maxLength: 256, example: 'CI pipeline' })
  @IsOptional()
  @IsString()
  @MaxLength(256)
  @NoNul()
  description?: string;
}

export class UpdateAccessKeyRequest {
  @ApiProperty({ enum: ACCESS_KEY_STATUSES, description: 'Inactive keys are refused at once' })
  @IsIn(ACCESS_KEY_STATUSES)
  status!: AccessKeyStatus;
}

export class AccessKeyIdParam {
  @ApiProperty({ example: 'AKIAIOSFODNN7EXAMPLE' })
  @Matches(ACCESS_KEY_ID, {
    message: 'accessKeyId must be 16 to 128 uppercase letters and digits',
  })
  accessKeyId!: string;
}

/** An access key as listed: never its secret. */
export class AccessKey {
  @ApiProperty({ example: 'AKIAIOSFODNN7EXAMPLE' })
  accessKeyId!: string;

  @ApiProperty({ example: '123456789012' })
  accountId!: string;

  @ApiProperty({ enum: ACCESS_KEY_STATUSES })
  status!: AccessKeyStatus;

  @ApiProperty({ type: String, nullable: true })
  description!: string | null;

  @ApiProperty({ type: String, format: 'date-time' })
  createdAt!: string;

  @ApiProperty({
    type: String,
    format: 'date-time',
    nullable: true,
    description: 'Approximate (recorded at most once a minute per instance)',
  })
  lastUsedAt!: string | null;
}

/** A new access key: the only answer that ever carries the secret. */
export class CreatedAccessKey extends AccessKey {
  @ApiProperty({ description: 'Shown this once; it cannot be retrieved later' })
  secretAccessKey!: string;
}

export class AccessKeyPage {
  @ApiProperty({ type: [AccessKey] })
  items!: AccessKey[];

  @ApiProperty({ type: String, nullable: true })
  nextCursor!: string | null;
}
