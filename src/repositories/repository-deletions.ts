import { Injectable } from '@nestjs/common';

/** A repository just deleted, with its layers, images and uploads in progress. */
export interface DeletedRepository {
  id: string;
  registryId: string;
  name: string;
}

type Listener = (repository: DeletedRepository) => void;

/**
 * Tells the modules above repositories, in this process, that a repository's deletion has
 * committed, so that repositories need not know who cares (the garbage collector does: the
 * repository's bytes are garbage now). Listeners run at once, in the deleting call, and must
 * neither throw nor wait.
 */
@Injectable()
export class RepositoryDeletions {
  private readonly listeners: Listener[] = [];

  onDeleted(listener: Listener): void {
    this.listeners.push(listener);
  }

  announce(repository: DeletedRepository): void {
    for (const listener of this.listeners) listener(repository);
  }
}
