# Hardened Debian 12 AMI: the official Debian 12 AMI, hardened by ecommerce.multicloud.os_hardening
# and gated by its scan entry point (packer/playbooks/harden.yml). Written for the Packer that
# Debian 12 ships (1.6.6, HCL2); see packer/README.md.
#
#   packer build -var env=development -var owner=platform-team -var cost_center=cc-4200 \
#     -var 'ssh_source_cidrs=["203.0.113.10/32"]' packer/aws-debian12-hardened.pkr.hcl
#
# Credentials come from the environment (AWS_PROFILE, AWS_ACCESS_KEY_ID, ...), as for the playbooks.

packer {
  required_version = ">= 1.6.6"
}

variable "env" {
  type        = string
  description = "Environment the image is built for (tag env), as in inventories/<env>: development, staging, production or sandbox."
  validation {
    condition     = contains(["sandbox", "development", "staging", "production"], var.env)
    error_message = "The env variable must be one of sandbox, development, staging, production."
  }
}

variable "project" {
  type        = string
  default     = "ecommerce"
  description = "Tag project: the platform name (platform.tag_policy.tags.project)."
}

variable "owner" {
  type        = string
  description = "Tag owner: the owning team (platform.tag_policy.tags.owner)."
}

variable "cost_center" {
  type        = string
  description = "Tag cost-center (platform.tag_policy.tags.cost-center)."
}

variable "region" {
  type        = string
  default     = "us-east-1"
  description = "AWS region the build instance runs in and the AMI is registered in (build once per region)."
}

variable "instance_type" {
  type        = string
  default     = "t3.small"
  description = "Instance type of the temporary build instance (x86_64, Nitro)."
}

variable "volume_size" {
  type        = number
  default     = 8
  description = "Size in GiB of the root volume, encrypted gp3."
}

variable "kms_key_id" {
  type        = string
  default     = ""
  description = "KMS key (ID, ARN or alias ARN) that encrypts the build volume and the AMI's snapshot; empty uses the account's default EBS key (aws/ebs)."
}

variable "subnet_id" {
  type        = string
  default     = ""
  description = "Subnet of the build instance; empty uses the region's default VPC. It needs egress to deb.debian.org (apt and the scanner content)."
}

variable "ssh_interface" {
  type        = string
  default     = "public_ip"
  description = "How Packer and Ansible reach the build instance: public_ip (a public address is associated) or private_ip (the controller runs inside the VPC)."
  validation {
    condition     = contains(["public_ip", "private_ip"], var.ssh_interface)
    error_message = "The ssh_interface variable must be public_ip or private_ip."
  }
}

variable "ssh_source_cidrs" {
  type        = list(string)
  description = "CIDRs allowed to reach SSH on the build instance's temporary security group: the controller's egress address. Packer 1.6.6 cannot detect it, and 0.0.0.0/0 is refused."
  validation {
    condition     = length(var.ssh_source_cidrs) > 0 && ! contains(var.ssh_source_cidrs, "0.0.0.0/0") && ! contains(var.ssh_source_cidrs, "::/0")
    error_message = "The ssh_source_cidrs variable must list the controller's egress CIDRs; SSH open to the internet (0.0.0.0/0, ::/0) is refused."
  }
}

variable "ec2_endpoint" {
  type        = string
  default     = ""
  description = "EC2 endpoint URL; empty for AWS's. Only the tests set it (a local moto server)."
}

variable "toolchain_bin" {
  type        = string
  default     = ""
  description = "Directory with ansible-playbook and a python that has boto3 (the collection's .venv/bin when empty)."
}

variable "ansible_config" {
  type        = string
  default     = ""
  description = "ansible.cfg for the provisioner; empty uses the checkout's, whose collections_path (.cache/collections) resolves ecommerce.multicloud to this tree (scripts/bootstrap.sh links it)."
}

variable "output_dir" {
  type        = string
  default     = ""
  description = "Directory on the controller that receives the Packer manifest and, per image, the scan report; empty uses .cache/packer/aws-debian12-hardened in the checkout."
}

locals {
  repo           = abspath("${path.root}/..")
  toolchain_bin  = var.toolchain_bin != "" ? var.toolchain_bin : "${local.repo}/.venv/bin"
  ansible_config = var.ansible_config != "" ? var.ansible_config : "${local.repo}/ansible.cfg"
  output_dir     = var.output_dir != "" ? var.output_dir : "${local.repo}/.cache/packer/aws-debian12-hardened"
  image_name     = "ecommerce-debian12-hardened-${formatdate("YYYYMMDD-hhmmss", timestamp())}"
  report_dir     = "${local.output_dir}/${local.image_name}"
  imdsv2         = "'${local.toolchain_bin}/python' '${path.root}/scripts/aws_imdsv2.py' --endpoint-url '${var.ec2_endpoint}'"
  tags = {
    "env"         = var.env
    "project"     = var.project
    "owner"       = var.owner
    "cost-center" = var.cost_center
    "managed-by"  = "packer"
  }
}

source "amazon-ebs" "debian12-hardened" {
  region              = var.region
  custom_endpoint_ec2 = var.ec2_endpoint
  instance_type       = var.instance_type
  subnet_id           = var.subnet_id

  # The official Debian 12 AMI: Debian's AWS account, newest release.
  source_ami_filter {
    filters = {
      name                = "debian-12-amd64-*"
      architecture        = "x86_64"
      virtualization-type = "hvm"
      root-device-type    = "ebs"
    }
    owners      = ["136693071363"]
    most_recent = true
  }

  ami_name        = local.image_name
  ami_description = "Debian 12 hardened by ecommerce.multicloud.os_hardening, gated by its Lynis and OpenSCAP scan"
  ena_support     = true
  sriov_support   = true

  # Encrypted at rest from the first write: the build volume, and the AMI's snapshot.
  launch_block_device_mappings {
    device_name           = "/dev/xvda"
    volume_type           = "gp3"
    volume_size           = var.volume_size
    iops                  = 3000
    throughput            = 125
    encrypted             = true
    kms_key_id            = var.kms_key_id
    delete_on_termination = true
  }
  encrypt_boot = true
  kms_key_id   = var.kms_key_id

  # IMDSv2: Packer 1.6.6 has no metadata_options / imds_support; the build's first provisioner
  # and its last post-processor (scripts/aws_imdsv2.py) set both through the EC2 API.

  ssh_username                          = "admin"
  ssh_interface                         = var.ssh_interface
  associate_public_ip_address           = var.ssh_interface == "public_ip"
  temporary_security_group_source_cidrs = var.ssh_source_cidrs
  ssh_clear_authorized_keys             = true

  tags            = merge(local.tags, { "Name" = local.image_name })
  snapshot_tags   = merge(local.tags, { "Name" = local.image_name })
  run_tags        = merge(local.tags, { "Name" = "packer-build-${local.image_name}" })
  run_volume_tags = merge(local.tags, { "Name" = "packer-build-${local.image_name}" })
}

build {
  name    = "aws-debian12-hardened"
  sources = ["source.amazon-ebs.debian12-hardened"]

  # On the controller: the output directory (the manifest post-processor does not create it), then
  # IMDSv2 on the build instance before anything logs in.
  provisioner "shell-local" {
    inline = [
      "mkdir -p '${local.report_dir}'",
      "${local.imdsv2} instance --region '${var.region}' --instance-id '${build.ID}'",
    ]
  }

  provisioner "ansible" {
    command       = "${local.toolchain_bin}/ansible-playbook"
    playbook_file = "${path.root}/playbooks/harden.yml"
    user          = "admin"
    use_proxy     = false
    host_alias    = "aws-debian12-hardened"
    extra_arguments = [
      "--extra-vars", jsonencode({ os_hardening_scan_report_dir = local.report_dir }),
    ]
    ansible_env_vars = [
      "ANSIBLE_CONFIG=${local.ansible_config}",
      "ANSIBLE_FORCE_COLOR=0",
    ]
  }

  post-processors {
    post-processor "manifest" {
      output     = "${local.output_dir}/manifest.json"
      strip_path = true
      custom_data = {
        scan_report = "${local.report_dir}/aws-debian12-hardened.json"
      }
    }
    post-processor "shell-local" {
      inline = ["${local.imdsv2} image --manifest '${local.output_dir}/manifest.json' --run-uuid '${build.PackerRunUUID}'"]
    }
  }
}
