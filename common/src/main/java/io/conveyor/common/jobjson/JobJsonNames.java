package io.conveyor.common.jobjson;

import org.jobrunr.jobs.context.JobDashboardLogger.JobDashboardLogLines;
import org.jobrunr.jobs.context.JobDashboardProgressBar.JobDashboardProgress;

import java.util.concurrent.ConcurrentHashMap;

/** The names in JobRunr's JSON of a job: its fields' names (Jackson reads the fields) and the class names it writes. */
final class JobJsonNames {

    static final String ID = "id";
    static final String VERSION = "version";
    static final String JOB_DETAILS = "jobDetails";
    static final String JOB_HISTORY = "jobHistory";
    static final String METADATA = "metadata";
    static final String JOB_SIGNATURE = "jobSignature";
    static final String JOB_NAME = "jobName";
    static final String AMOUNT_OF_RETRIES = "amountOfRetries";
    static final String LABELS = "labels";
    static final String RECURRING_JOB_ID = "recurringJobId";

    static final String CLASS_NAME = "className";
    static final String STATIC_FIELD_NAME = "staticFieldName";
    static final String METHOD_NAME = "methodName";
    static final String JOB_PARAMETERS = "jobParameters";
    static final String CACHEABLE = "cacheable";
    static final String ACTUAL_CLASS_NAME = "actualClassName";
    static final String OBJECT = "object";

    /** Where Jackson's default typing (JobRunr's {@code activateDefaultTypingAsProperty}) puts an object's class. */
    static final String TYPE = "@class";
    static final String STATE = "state";
    static final String CREATED_AT = "createdAt";
    static final String UPDATED_AT = "updatedAt";
    static final String SERVER_ID = "serverId";
    static final String SERVER_NAME = "serverName";
    static final String LATENCY_DURATION = "latencyDuration";
    static final String PROCESS_DURATION = "processDuration";
    static final String SCHEDULED_AT = "scheduledAt";
    static final String REASON = "reason";
    static final String MESSAGE = "message";
    static final String EXCEPTION_TYPE = "exceptionType";
    static final String EXCEPTION_MESSAGE = "exceptionMessage";
    static final String EXCEPTION_CAUSE_TYPE = "exceptionCauseType";
    static final String EXCEPTION_CAUSE_MESSAGE = "exceptionCauseMessage";
    static final String STACK_TRACE = "stackTrace";
    static final String DO_NOT_RETRY = "doNotRetry";

    static final String METADATA_MAP_CLASS = ConcurrentHashMap.class.getName();
    static final String PROGRESS_CLASS = JobDashboardProgress.class.getName();
    static final String TOTAL_AMOUNT = "totalAmount";
    static final String SUCCEEDED_AMOUNT = "succeededAmount";
    static final String FAILED_AMOUNT = "failedAmount";
    static final String PROGRESS = "progress";
    static final String LOG_CLASS = JobDashboardLogLines.class.getName();
    static final String LOG_LINES = "logLines";

    private JobJsonNames() {
    }
}
