package io.conveyor.api;

import io.conveyor.common.RecurringSchedule;
import org.jobrunr.jobs.Job;
import org.jobrunr.storage.StorageProvider;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;

/**
 * The ledger's storage as JobRunr's dashboard reaches it: the ledger's own, except for the one job the dashboard
 * saves that Conveyor cannot run, the ENQUEUED copy of a recurring job's class-less details that its Trigger button
 * makes ({@code JobRunrApiHandler.triggerRecurringJob}). That save submits a run of the recurring job instead
 * ({@link RecurringTrigger}) and writes nothing, so no such job ever reaches the ledger.
 */
final class DashboardStorage {

    private DashboardStorage() {
    }

    static StorageProvider over(StorageProvider ledger, RecurringTrigger trigger) {
        return (StorageProvider) Proxy.newProxyInstance(StorageProvider.class.getClassLoader(), new Class<?>[]{StorageProvider.class},
                (proxy, method, args) -> {
                    if (method.getName().equals("save") && args != null && args.length == 1 && args[0] instanceof Job job
                            && RecurringSchedule.isSubmission(job.getJobDetails())) {
                        trigger.submit(job);
                        return job;
                    }
                    if (method.getDeclaringClass() == Object.class) {
                        return switch (method.getName()) {
                            case "equals" -> args[0] == proxy;
                            case "hashCode" -> System.identityHashCode(proxy);
                            default -> "the dashboard's " + ledger;
                        };
                    }
                    try {
                        return method.invoke(ledger, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }
}
