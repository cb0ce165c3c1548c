"""A cloud account on localhost: create tagged resources, find them by tag, delete them.

Chapter 10's lab ("get a server through an API, then clean up") runs offline against moto, the
AWS emulator the kit already uses for S3 (:mod:`bdp.storage`). moto's server dispatches *every*
AWS service it emulates — EC2, S3, Budgets, the Resource Groups Tagging API, STS — on one local
endpoint, so the calls below are the real AWS API through ``boto3``; only the account is fake::

    from bdp.cloudlab import local_cloud, launch_instance, leftovers, teardown

    tags = {"course": "bdp", "owner": "learner"}
    with local_cloud() as cloud:
        launch_instance(cloud, "bdp-vm-1", tags)
        print(leftovers(cloud, tags))     # a running instance, its boot volume
        teardown(cloud, tags)
        assert leftovers(cloud, tags).empty

Leftovers are found the way a careful engineer finds them in a real account: by tag, asking
each service for the *state* of what it holds (a terminated instance still carries its tags for a
while, and the Tagging API still lists it, but it no longer costs anything).
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from bdp.storage import local_s3

__all__ = [
    "LocalCloud",
    "BILLABLE_STATES",
    "local_cloud",
    "aws_tags",
    "launch_instance",
    "create_bucket",
    "create_budget",
    "tagged_arns",
    "tagged_resources",
    "leftovers",
    "teardown",
]

#: instance states that still cost money (compute, or at least the attached disks)
BILLABLE_STATES = ("pending", "running", "stopping", "stopped")
#: a machine image id that moto accepts; real AWS ids differ per region
DEFAULT_IMAGE = "ami-12c6146b"


@dataclass
class LocalCloud:
    """An AWS-compatible endpoint on 127.0.0.1 and the credentials to call it."""

    endpoint_url: str
    key: str
    secret: str
    region: str
    _clients: dict[str, Any] = field(default_factory=dict, repr=False)
    _account: str | None = field(default=None, repr=False)

    def client(self, service: str) -> Any:
        """A ``boto3`` client for ``service`` ("ec2", "s3", "budgets"…) on this endpoint.

        Clients are made once per service and reused (making one loads the service's API
        model, which takes a noticeable fraction of a second).
        """
        if service not in self._clients:
            import boto3

            self._clients[service] = boto3.session.Session().client(
                service,
                endpoint_url=self.endpoint_url,
                aws_access_key_id=self.key,
                aws_secret_access_key=self.secret,
                region_name=self.region,
            )
        return self._clients[service]

    @property
    def account_id(self) -> str:
        """The (fake) account id, as STS reports it."""
        if self._account is None:
            reply = self.client("sts").get_caller_identity()
            self._account = str(reply["Account"])
        return self._account

    def close(self) -> None:
        """Close every client this object made."""
        for client in self._clients.values():
            with contextlib.suppress(Exception):
                client.close()
        self._clients.clear()


@contextlib.contextmanager
def local_cloud() -> Iterator[LocalCloud]:
    """Start moto's multi-service server (via :func:`bdp.storage.local_s3`); stop it after.

    moto's catalogue of ~1,300 public machine images is not loaded: the lab needs one image, and
    loading them all would cost seconds for nothing. Leaving the block stops the server and
    wipes every resource it held, whatever happened inside.
    """
    saved = os.environ.get("MOTO_EC2_LOAD_DEFAULT_AMIS")
    os.environ["MOTO_EC2_LOAD_DEFAULT_AMIS"] = "false"
    try:
        with local_s3(backend="moto") as s3:
            cloud = LocalCloud(s3.endpoint_url, s3.key, s3.secret, s3.region)
            try:
                yield cloud
            finally:
                cloud.close()
    finally:
        if saved is None:
            os.environ.pop("MOTO_EC2_LOAD_DEFAULT_AMIS", None)
        else:
            os.environ["MOTO_EC2_LOAD_DEFAULT_AMIS"] = saved


def aws_tags(tags: Mapping[str, str]) -> list[dict[str, str]]:
    """``{"course": "bdp"}`` → ``[{"Key": "course", "Value": "bdp"}]`` (AWS's tag format)."""
    return [{"Key": k, "Value": v} for k, v in tags.items()]


def launch_instance(
    cloud: LocalCloud,
    name: str,
    tags: Mapping[str, str],
    *,
    instance_type: str = "t3.medium",
    spot: bool = True,
    keep_volume: bool = False,
) -> str:
    """Start one VM tagged with ``tags`` (and ``Name``); return its instance id.

    ``spot`` asks for a one-time spot instance that terminates on reclaim; ``keep_volume``
    sets the boot disk's ``DeleteOnTermination`` to false — a disk that outlives its VM.
    """
    all_tags = aws_tags({"Name": name, **tags})
    request: dict[str, Any] = {
        "ImageId": DEFAULT_IMAGE,
        "InstanceType": instance_type,
        "MinCount": 1,
        "MaxCount": 1,
        "TagSpecifications": [
            {"ResourceType": "instance", "Tags": all_tags},
            {"ResourceType": "volume", "Tags": all_tags},
        ],
        "BlockDeviceMappings": [
            {
                "DeviceName": "/dev/sda1",
                "Ebs": {"VolumeSize": 50, "DeleteOnTermination": not keep_volume},
            }
        ],
    }
    if spot:
        request["InstanceMarketOptions"] = {
            "MarketType": "spot",
            "SpotOptions": {
                "SpotInstanceType": "one-time",
                "InstanceInterruptionBehavior": "terminate",
            },
        }
    reply = cloud.client("ec2").run_instances(**request)
    return str(reply["Instances"][0]["InstanceId"])


def create_bucket(cloud: LocalCloud, name: str, tags: Mapping[str, str]) -> str:
    """A private bucket with ``tags`` and a 30-day expiry rule; return ``"s3://name"``."""
    s3 = cloud.client("s3")
    s3.create_bucket(Bucket=name)
    s3.put_bucket_tagging(Bucket=name, Tagging={"TagSet": aws_tags(tags)})
    s3.put_public_access_block(
        Bucket=name,
        PublicAccessBlockConfiguration={
            "BlockPublicAcls": True,
            "IgnorePublicAcls": True,
            "BlockPublicPolicy": True,
            "RestrictPublicBuckets": True,
        },
    )
    s3.put_bucket_lifecycle_configuration(
        Bucket=name,
        LifecycleConfiguration={
            "Rules": [
                {
                    "ID": "expire-after-30-days",
                    "Status": "Enabled",
                    "Filter": {"Prefix": ""},
                    "Expiration": {"Days": 30},
                }
            ]
        },
    )
    return f"s3://{name}"


def create_budget(
    cloud: LocalCloud,
    name: str,
    limit_usd: float,
    tags: Mapping[str, str],
    email: str = "learner@example.org",
) -> str:
    """A monthly cost budget on the spend tagged ``tags``, alerting on the *forecast*."""
    cloud.client("budgets").create_budget(
        AccountId=cloud.account_id,
        Budget={
            "BudgetName": name,
            "BudgetLimit": {"Amount": f"{limit_usd:.2f}", "Unit": "USD"},
            "TimeUnit": "MONTHLY",
            "BudgetType": "COST",
            # cost-allocation tags are named "user:KEY$VALUE" in cost filters
            "CostFilters": {"TagKeyValue": [f"user:{k}${v}" for k, v in tags.items()]},
        },
        NotificationsWithSubscribers=[
            {
                "Notification": {
                    "NotificationType": "FORECASTED",
                    "ComparisonOperator": "GREATER_THAN",
                    "Threshold": 100.0,
                    "ThresholdType": "PERCENTAGE",
                },
                "Subscribers": [{"SubscriptionType": "EMAIL", "Address": email}],
            }
        ],
    )
    return name


def tagged_resources(cloud: LocalCloud, tags: Mapping[str, str]) -> pd.DataFrame:
    """What the Resource Groups Tagging API lists with all of ``tags``, whatever its state.

    One row per resource: ``type`` (``ec2:instance``, ``ec2:volume``, ``s3``…), ``name`` (its
    ``Name`` tag, or the bucket's name) and ``arn``, sorted by type and name.
    """
    filters = [{"Key": k, "Values": [v]} for k, v in tags.items()]
    pages = cloud.client("resourcegroupstaggingapi").get_paginator("get_resources")
    rows = []
    for page in pages.paginate(TagFilters=filters):
        for item in page["ResourceTagMappingList"]:
            arn = item["ResourceARN"]
            parts = arn.split(":", 5)  # arn:aws:SERVICE:REGION:ACCOUNT:RESOURCE
            service, resource = parts[2], parts[5]
            kind = service + (":" + resource.split("/")[0] if "/" in resource else "")
            names = {t["Key"]: t["Value"] for t in item.get("Tags", [])}
            rows.append({"type": kind, "name": names.get("Name", resource), "arn": arn})
    frame = pd.DataFrame(rows, columns=["type", "name", "arn"])
    return frame.sort_values(["type", "name"], ignore_index=True)


def tagged_arns(cloud: LocalCloud, tags: Mapping[str, str]) -> list[str]:
    """Every resource ARN the Resource Groups Tagging API lists with all of ``tags``."""
    return sorted(tagged_resources(cloud, tags)["arn"])


def _tag_filters(tags: Mapping[str, str]) -> list[dict[str, Any]]:
    return [{"Name": f"tag:{k}", "Values": [v]} for k, v in tags.items()]


def leftovers(
    cloud: LocalCloud, tags: Mapping[str, str], budget_prefix: str = "bdp"
) -> pd.DataFrame:
    """What still exists (and may still cost money) with ``tags``: one row per resource.

    Instances count only in a billable state; volumes, buckets and budgets count while they
    exist. Budgets carry no tags in the API, so they are found by name prefix.
    """
    ec2 = cloud.client("ec2")
    rows: list[dict[str, str]] = []
    states = {"Name": "instance-state-name", "Values": list(BILLABLE_STATES)}
    for res in ec2.describe_instances(Filters=[*_tag_filters(tags), states])["Reservations"]:
        for inst in res["Instances"]:
            rows.append(
                {
                    "kind": "instance",
                    "name": _name(inst),
                    "id": inst["InstanceId"],
                    "detail": f"{inst['InstanceType']}, "
                    f"{inst.get('InstanceLifecycle', 'on-demand')}, "
                    f"{inst['State']['Name']}",
                }
            )
    for vol in ec2.describe_volumes(Filters=_tag_filters(tags))["Volumes"]:
        rows.append(
            {
                "kind": "volume",
                "name": _name(vol),
                "id": vol["VolumeId"],
                "detail": f"{vol['Size']} GiB, {vol['State']}",
            }
        )
    for arn in tagged_arns(cloud, tags):
        if arn.startswith("arn:aws:s3:::"):
            bucket = arn.rsplit(":", 1)[1]
            rows.append(
                {"kind": "bucket", "name": bucket, "id": bucket, "detail": "private"}
            )
    budgets = cloud.client("budgets").describe_budgets(AccountId=cloud.account_id)
    for budget in budgets.get("Budgets", []):
        if budget["BudgetName"].startswith(budget_prefix):
            limit = budget["BudgetLimit"]
            rows.append(
                {
                    "kind": "budget",
                    "name": budget["BudgetName"],
                    "id": budget["BudgetName"],
                    "detail": f"{float(limit['Amount']):.0f} {limit['Unit']} a month",
                }
            )
    return pd.DataFrame(rows, columns=["kind", "name", "id", "detail"])


def _name(resource: Mapping[str, Any]) -> str:
    """The ``Name`` tag of an EC2 resource description ("" when it has none)."""
    tags = {t["Key"]: t["Value"] for t in resource.get("Tags", [])}
    return tags.get("Name", "")


def teardown(
    cloud: LocalCloud, tags: Mapping[str, str], budget_prefix: str = "bdp"
) -> list[str]:
    """Delete everything :func:`leftovers` finds, in a safe order; return what was deleted.

    Instances first (their disks may go with them), then the volumes that remain, then the
    buckets (emptied first: S3 refuses to delete a bucket that holds objects), the budget last,
    so that it keeps watching until nothing can spend any more.
    """
    ec2, s3 = cloud.client("ec2"), cloud.client("s3")
    deleted: list[str] = []
    found = leftovers(cloud, tags, budget_prefix)
    vms = found[found["kind"] == "instance"]
    if not vms.empty:
        ids = vms["id"].tolist()
        ec2.terminate_instances(InstanceIds=ids)
        ec2.get_waiter("instance_terminated").wait(
            InstanceIds=ids, WaiterConfig={"Delay": 1, "MaxAttempts": 30}
        )
        deleted += [f"instance {n}" for n in vms["name"]]
    # what the instances left behind: disks created with DeleteOnTermination=false
    for vol in ec2.describe_volumes(Filters=_tag_filters(tags))["Volumes"]:
        ec2.delete_volume(VolumeId=vol["VolumeId"])
        deleted.append(f"volume {_name(vol) or vol['VolumeId']}")
    for bucket in found.loc[found["kind"] == "bucket", "id"]:
        pages = s3.get_paginator("list_objects_v2").paginate(Bucket=bucket)
        for page in pages:
            keys = [{"Key": o["Key"]} for o in page.get("Contents", [])]
            if keys:
                s3.delete_objects(Bucket=bucket, Delete={"Objects": keys})
        s3.delete_bucket(Bucket=bucket)
        deleted.append(f"bucket {bucket}")
    budgets = cloud.client("budgets")
    for name in found.loc[found["kind"] == "budget", "id"]:
        budgets.delete_budget(AccountId=cloud.account_id, BudgetName=name)
        deleted.append(f"budget {name}")
    return deleted
