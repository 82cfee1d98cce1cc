// Thin typed methods over the core client, one per API operation. Each sends exactly what the
// API declares: no undeclared query parameters, no body on operations that take none.
import type { ApiResponse, MixpeekClient } from "./client.js";
import * as wire from "./wire.js";
import type * as requests from "./requests.js";

type Signal = AbortSignal | undefined;
export interface BatchRef { bucket: string; batch_id: string }
export interface TierRef extends BatchRef { tier_num: number }

export class MixpeekApi {
  constructor(readonly client: MixpeekClient) {}

  listBatches(bucket: string, body: requests.ListBatchesRequest, signal?: Signal): Promise<ApiResponse<wire.ListBatchesResponse>> {
    return this.client.call("listBatches", wire.ListBatchesResponse, { params: { bucket }, body, signal });
  }

  getBatch(ref: BatchRef, signal?: Signal): Promise<ApiResponse<wire.Batch>> {
    return this.client.call("getBatch", wire.Batch, { params: ref, signal });
  }

  diagnoseBatch(ref: BatchRef, signal?: Signal): Promise<ApiResponse<wire.Diagnosis>> {
    return this.client.call("diagnoseBatch", wire.Diagnosis, { params: ref, signal });
  }

  listFailedDocuments(
    ref: BatchRef,
    query: { tier_num?: number | undefined; collection_id?: string | undefined; limit?: number | undefined; offset?: number | undefined },
    signal?: Signal,
  ): Promise<ApiResponse<wire.FailedDocumentsResponse>> {
    return this.client.call("listFailedDocuments", wire.FailedDocumentsResponse, { params: ref, query, signal });
  }

  getBatchLogs(ref: BatchRef, query: { tier_num?: number | undefined }, signal?: Signal): Promise<ApiResponse<wire.LogsResponse>> {
    return this.client.call("getBatchLogs", wire.LogsResponse, { params: ref, query, signal });
  }

  retryDocuments(ref: BatchRef, body: requests.RetryDocumentsRequest, signal?: Signal): Promise<ApiResponse<wire.RetryDocumentsResponse>> {
    return this.client.call("retryDocuments", wire.RetryDocumentsResponse, { params: ref, body, signal });
  }

  retryTier(ref: TierRef, body: requests.TierRetryRequest, signal?: Signal): Promise<ApiResponse<wire.TierRetryResponse>> {
    return this.client.call("retryTier", wire.TierRetryResponse, { params: ref, body, signal });
  }

  healTier(ref: TierRef, action: requests.HealAction, signal?: Signal): Promise<ApiResponse<wire.HealResponse>> {
    return this.client.call("healTier", wire.HealResponse, { params: ref, body: { action }, signal });
  }

  cancelTier(ref: TierRef, signal?: Signal): Promise<ApiResponse<wire.CancelResponse>> {
    return this.client.call("cancelTier", wire.CancelResponse, { params: ref, signal });
  }

  cancelJob(ref: TierRef & { ray_job_id: string }, signal?: Signal): Promise<ApiResponse<wire.CancelResponse>> {
    return this.client.call("cancelJob", wire.CancelResponse, { params: ref, signal });
  }

  cancelBatch(ref: BatchRef, signal?: Signal): Promise<ApiResponse<wire.Task>> {
    return this.client.call("cancelBatch", wire.Task, { params: ref, signal });
  }

  /** `from_tier` travels in the query string, as the web reference declares. */
  resubmitBatch(ref: BatchRef, fromTier: number | undefined, signal?: Signal): Promise<ApiResponse<wire.ResubmitResponse>> {
    return this.client.call("resubmitBatch", wire.ResubmitResponse, { params: ref, query: { from_tier: fromTier }, signal });
  }

  getTask(task_id: string, signal?: Signal): Promise<ApiResponse<wire.Task>> {
    return this.client.call("getTask", wire.Task, { params: { task_id }, signal });
  }

  triggerCollection(collection: string, body: requests.TriggerCollectionRequest, signal?: Signal): Promise<ApiResponse<wire.TriggerCollectionResponse>> {
    return this.client.call("triggerCollection", wire.TriggerCollectionResponse, { params: { collection }, body, signal });
  }

  confirmUploads(bucket: string, confirmations: requests.UploadConfirmation[], signal?: Signal): Promise<ApiResponse<wire.BatchConfirmResponse>> {
    return this.client.call("confirmUploads", wire.BatchConfirmResponse, { params: { bucket }, body: { confirmations }, signal });
  }
}
