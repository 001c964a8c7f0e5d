import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import {
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { AccessKeysService } from '../auth/access-keys.service';
import { AccountsService } from '../auth/accounts.service';
import { AccountEntity } from '../auth/entities/account.entity';
import { AdminApi, problemContent } from './admin-api.decorators';
import { accessKeyView } from './access-keys.controller';
import { decodeCursor, Page, pageOf } from './cursor';
import {
  AccessKeyPageQuery,
  AccessKeyPage,
  Account,
  AccountPage,
  AccountPageQuery,
  CreateAccessKeyRequest,
  CreateAccountRequest,
  CreatedAccessKey,
  AccessKey,
} from './dto/accounts.dto';
import { AccountIdParam } from './dto/common.dto';

const DEFAULT_LIMIT = 100;

function accountView(account: AccountEntity): Account {
  return {
    accountId: account.id,
    name: account.name,
    createdAt: account.createdAt.toISOString(),
  };
}

@ApiTags('accounts')
@AdminApi()
@Controller('admin/v1/accounts')
export class AccountsController {
  constructor(
    private readonly accounts: AccountsService,
    private readonly keys: AccessKeysService,
  ) {}

  @Get()
  @ApiOperation({ summary: 'List accounts, by id' })
  @ApiOkResponse({ type: AccountPage })
  async list(@Query() query: AccountPageQuery): Promise<Page<Account>> {
    const limit = query.limit ?? DEFAULT_LIMIT;
    const rows = await this.accounts.list(limit + 1, decodeCursor(query.cursor));
    return pageOf(rows, limit, accountView, (a) => a.id);
  }

  @Post()
  @ApiOperation({ summary: 'Create an account (a registry)' })
  @ApiCreatedResponse({ type: Account })
  @ApiConflictResponse({ description: 'The account exists', content: problemContent })
  async create(@Body() body: CreateAccountRequest): Promise<Account> {
    return accountView(await this.accounts.create(body));
  }

  @Get(':accountId')
  @ApiOperation({ summary: 'Get an account' })
  @ApiOkResponse({ type: Account })
  @ApiNotFoundResponse({ content: problemContent })
  async get(@Param() { accountId }: AccountIdParam): Promise<Account> {
    return accountView(await this.accounts.get(accountId));
  }

  @Delete(':accountId')
  @HttpCode(204)
  @ApiOperation({
    summary: 'Delete an account and its access keys (refused while it owns repositories)',
    description: 'Answers once every instance refuses its keys (after ACCESS_KEY_CACHE_TTL).',
  })
  @ApiNoContentResponse()
  @ApiNotFoundResponse({ content: problemContent })
  @ApiConflictResponse({ description: 'It still owns repositories', content: problemContent })
  async delete(@Param() { accountId }: AccountIdParam): Promise<void> {
    await this.accounts.delete(accountId);
  }

  @Get(':accountId/access-keys')
  @ApiOperation({ summary: "List an account's access keys (never their secrets)" })
  @ApiOkResponse({ type: AccessKeyPage })
  @ApiNotFoundResponse({ content: problemContent })
  async listKeys(
    @Param() { accountId }: AccountIdParam,
    @Query() query: AccessKeyPageQuery,
  ): Promise<Page<AccessKey>> {
    await this.accounts.get(accountId);
    const limit = query.limit ?? DEFAULT_LIMIT;
    const rows = await this.keys.list(limit + 1, { accountId, after: decodeCursor(query.cursor) });
    return pageOf(rows, limit, accessKeyView, (k) => k.accessKeyId);
  }

  @Post(':accountId/access-keys')
  @ApiOperation({
    summary: 'Create an access key',
    description: 'The answer is the only place the secret access key is ever shown.',
  })
  @ApiCreatedResponse({ type: CreatedAccessKey })
  @ApiNotFoundResponse({ content: problemContent })
  async createKey(
    @Param() { accountId }: AccountIdParam,
    @Body() body: CreateAccessKeyRequest,
  ): Promise<CreatedAccessKey> {
    const created = await this.keys.create(accountId, { description: body.description });
    return { ...accessKeyView(created.key), secretAccessKey: created.secretAccessKey };
  }
}
