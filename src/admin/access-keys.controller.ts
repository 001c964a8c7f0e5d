import { Body, Controller, Delete, Get, HttpCode, Param, Patch } from '@nestjs/common';
import {
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { AccessKeysService } from '../auth/access-keys.service';
import { AccessKeyEntity } from '../auth/entities/access-key.entity';
import { AdminApi, problemContent } from './admin-api.decorators';
import { AccessKey, AccessKeyIdParam, UpdateAccessKeyRequest } from './dto/accounts.dto';

export function accessKeyView(key: AccessKeyEntity): AccessKey {
  return {
    accessKeyId: key.accessKeyId,
    accountId: key.accountId,
    status: key.status,
    description: key.description,
    createdAt: key.createdAt.toISOString(),
    lastUsedAt: key.lastUsedAt ? key.lastUsedAt.toISOString() : null,
  };
}

@ApiTags('access keys')
@AdminApi()
@Controller('admin/v1/access-keys')
export class AccessKeysController {
  constructor(private readonly keys: AccessKeysService) {}

  @Get(':accessKeyId')
  @ApiOperation({ summary: 'Get an access key (never its secret)' })
  @ApiOkResponse({ type: AccessKey })
  @ApiNotFoundResponse({ content: problemContent })
  async get(@Param() { accessKeyId }: AccessKeyIdParam): Promise<AccessKey> {
    return accessKeyView(await this.keys.get(accessKeyId));
  }

  @Patch(':accessKeyId')
  @ApiOperation({
    summary: 'Deactivate or reactivate an access key',
    description:
      'A deactivation answers once every instance refuses the key: after ACCESS_KEY_CACHE_TTL ' +
      '(1 s by default), the longest an instance reuses a key it read.',
  })
  @ApiOkResponse({ type: AccessKey })
  @ApiNotFoundResponse({ content: problemContent })
  async update(
    @Param() { accessKeyId }: AccessKeyIdParam,
    @Body() body: UpdateAccessKeyRequest,
  ): Promise<AccessKey> {
    return accessKeyView(await this.keys.setStatus(accessKeyId, body.status));
  }

  @Delete(':accessKeyId')
  @HttpCode(204)
  @ApiOperation({
    summary: 'Delete an access key',
    description: 'Answers once every instance refuses the key (after ACCESS_KEY_CACHE_TTL).',
  })
  @ApiNoContentResponse()
  @ApiNotFoundResponse({ content: problemContent })
  async delete(@Param() { accessKeyId }: AccessKeyIdParam): Promise<void> {
    await this.keys.delete(accessKeyId);
  }
}
